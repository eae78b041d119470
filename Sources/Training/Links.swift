// How a replica reaches the rest of its job (STYLE.md practice 10): the coordinator, its pair
// peer (the other network's replica of the same images; with unequal groups the replicas that
// hold its images, through a RoutedPairLink) and its data-parallel group. Each has
// an in-process implementation (InProcessLinks.swift: the single-process Trainer) and one over
// sockets (Runtime: ZeroMQ or the in-memory transport); the replica's logic is the same.
import Detection
import Models
import PAA

/// A replica's side of the coordinator channel. Every wait is bounded by the implementation.
public protocol CoordinatorLink: AnyObject {
    /// Announces this replica; returns once the coordinator has welcomed the whole job.
    func join(_ hello: Hello) throws -> Welcome
    func send(_ message: WorkerMessage, iteration: Int) throws
    /// The coordinator's decision for iteration `t`.
    func decision(for t: Int) throws -> Decision
    /// What this rank is doing (carried by heartbeats).
    func setPhase(_ phase: WorkerPhase, iteration: Int)
    /// Messages rejected on this channel so far, by kind.
    var rejected: [String: Int] { get }
}

/// A replica's side of the pair channel. Messages are matched by kind and iteration.
public protocol PairLink: AnyObject {
    func send(_ message: PairMessage, iteration: Int) throws
    /// The peer's message of `kind` for iteration `t` (a bounded wait).
    func receive(_ kind: PairMessage.Kind, iteration t: Int) throws -> PairMessage
    /// Drops (and counts) anything that arrived outside a wait and is not for the future.
    func drain(before t: Int)
    var rejected: [String: Int] { get }
}

/// A replica's channels to several replicas of the other network, addressed by world rank
/// (unequal groups). Waits are bounded by the implementation, as on a PairLink.
public protocol PeerChannels: AnyObject {
    func send(_ message: PairMessage, iteration: Int, to peer: Int) throws
    func receive(_ kind: PairMessage.Kind, iteration t: Int, from peer: Int) throws -> PairMessage
    func drain(before t: Int)
    var rejected: [String: Int] { get }
}

/// The pair channel of unequal groups (routing by image ranges): what this replica sends is
/// cut into the image ranges of the replicas that hold them in the other group; what it
/// receives is their pieces joined in image order. The replica sees one message about its own
/// images, as with a pair peer, and checks it as before.
public final class RoutedPairLink: PairLink {
    let channels: PeerChannels
    /// This replica's overlaps, in image order (JobTopology.overlaps): their `mine` ranges tile its batch.
    public let routes: [JobTopology.Overlap]

    public init(channels: PeerChannels, routes: [JobTopology.Overlap]) {
        precondition(!routes.isEmpty && zip(routes, routes.dropFirst()).allSatisfy { $0.mine.upperBound == $1.mine.lowerBound }
                     && routes[0].mine.lowerBound == 0, "RoutedPairLink: the routes must tile the batch in order")
        self.channels = channels; self.routes = routes
    }

    public func send(_ message: PairMessage, iteration: Int) throws {
        for r in routes { try channels.send(message.slice(r.mine), iteration: iteration, to: r.peerRank) }
    }

    public func receive(_ kind: PairMessage.Kind, iteration t: Int) throws -> PairMessage {
        var parts: [PairMessage] = []
        for r in routes {
            let part = try channels.receive(kind, iteration: t, from: r.peerRank)
            guard part.kind == kind, part.images == r.mine.count else {
                throw TrainingError("rank \(r.peerRank)'s \(kind.rawValue) for iteration \(t) has \(part.images) images; it holds \(r.mine.count) of this replica's",
                                    hint: "every rank of the job must run the same config (batch size, ranks_a, ranks_b)")
            }
            parts.append(part)
        }
        guard let whole = PairMessage.concatenate(parts) else {
            throw TrainingError("the \(kind.rawValue) pieces for iteration \(t) from ranks \(routes.map(\.peerRank)) do not fit together (level shapes differ)",
                                hint: "both networks must share one anchor layout and image size")
        }
        return whole
    }

    public func drain(before t: Int) { channels.drain(before: t) }
    public var rejected: [String: Int] { channels.rejected }
}

/// Sums over the replicas of one network (the MPI group; absent with one replica per network).
public protocol GroupReducer: AnyObject {
    var size: Int { get }
    func sum(_ values: [Double]) throws -> [Double]
    /// In place, over the whole buffer (the gradient).
    func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
}

// MARK: What a replica accepts from its peer

// The pair sees the same images, so the peer's message must fit this replica's own view; a
// message that does not is a broken peer (or transport), and the replica stops naming it.
extension PairLink {
    /// The peer's assignment for iteration `t`, checked against this replica's valid anchors
    /// and objects.
    func assignments(_ t: Int, matching targets: BatchTargets, from name: String) throws -> [Assignment] {
        guard case .assignment(let a) = try receive(.assignment, iteration: t) else { throw mismatch(t, name, "not an assignment") }
        guard a.count == targets.valid.count else { throw mismatch(t, name, "\(a.count) images, this replica has \(targets.valid.count)") }
        for (b, asg) in a.enumerated() {
            let valid = targets.valid[b], objects = targets.targets[b].count
            guard asg.anchors.count == valid.count else { throw mismatch(t, name, "image \(b): \(asg.anchors.count) anchors, expected \(valid.count)") }
            for (j, s) in asg.anchors.enumerated() {
                switch s {
                case .invalid: continue
                case .background where valid[j]: continue
                case .foreground(let g) where valid[j] && g < objects: continue
                default: throw mismatch(t, name, "image \(b) anchor \(j): \(s) does not fit (valid \(valid[j]), \(objects) objects)")
                }
            }
        }
        return a
    }

    /// The teacher's head outputs for iteration `t`, shaped like this replica's own.
    func predictions(_ t: Int, matching own: HeadOutputs, from name: String) throws -> HeadOutputs {
        guard case .predictions(let p) = try receive(.predictions, iteration: t) else { throw mismatch(t, name, "not predictions") }
        for (theirs, mine) in [(p.cls, own.cls), (p.reg, own.reg), (p.iou, own.iou)] {
            guard theirs.map(\.shape) == mine.map(\.shape) else {
                throw mismatch(t, name, "prediction shapes \(theirs.map(\.shape)), expected \(mine.map(\.shape))")
            }
        }
        return p
    }

    /// The peer's candidate costs for iteration `t`, one per candidate of this replica's images.
    func costs(_ t: Int, matching pre: [Preassignment], from name: String) throws -> [[Float]] {
        guard case .costs(let c) = try receive(.costs, iteration: t) else { throw mismatch(t, name, "not costs") }
        guard c.map(\.count) == pre.map(\.candidates.count) else {
            throw mismatch(t, name, "cost counts \(c.map(\.count)), expected \(pre.map(\.candidates.count))")
        }
        return c
    }

    private func mismatch(_ t: Int, _ name: String, _ what: String) -> TrainingError {
        TrainingError("replica \(name): its pair peer's message for iteration \(t) does not fit its own images: \(what)",
                      hint: "both networks of a pair must run the same config (data, anchors, batch size) and seed")
    }
}
