// What each network does in one iteration of a mode (DESIGN.md §2, SPEC §7–§9), decided once
// from (mode, granularity, rule). This is the only place that branches on the mode: the
// replicas (single-process and distributed alike) and the coordinator read the plan.
//
// | mode     | labels from             | A                                   | B                         |
// |----------|-------------------------|-------------------------------------|---------------------------|
// | baseline | A's own PAA             | trained, costs, hard losses         | —                         |
// | lad      | A's PAA                 | frozen, costs → assignment to B     | trained, hard losses      |
// | soft     | none                    | frozen, predictions to B            | trained, soft losses      |
// | solad    | A's PAA                 | frozen, costs → assignment + preds  | trained, hard + soft      |
// | colad    | the rule: per iteration | trained, costs, hard losses         | the same                  |
// |          | (coordinator decides) or per object (both sides merge exchanged costs)              |
import Config
import Distillation

public struct ModePlan: Equatable, Sendable {
    /// Where an iteration's hard labels (the PAA assignment) come from.
    public enum LabelSource: Equatable, Sendable {
        /// No hard labels: the student learns from the teacher's outputs only (soft).
        case none
        /// One network's own PAA assignment, every iteration (baseline: A for itself; lad,
        /// solad: the frozen A for B).
        case network(NetworkID)
        /// The coordinator applies the rule to the global batch's statistics; the chosen
        /// network assigns and sends the labels to its peer (colad, iteration granularity).
        case decidedPerIteration
        /// The pair exchanges candidate costs and both sides merge them per (object, level) by
        /// the rule, computing the same assignment (colad, object granularity; the reference).
        case mergedPerObject
    }

    /// One network's part in the iteration.
    public struct Role: Equatable, Sendable {
        public var network: NetworkID
        /// Updated by the optimizer; otherwise frozen (inference behaviour, no losses).
        public var trained: Bool
        /// Computes the PAA anchor costs of the candidates from its own predictions.
        public var computesCosts: Bool
        /// Sends its head outputs to its peer (the soft-label teacher).
        public var sendsPredictions: Bool
        /// Learns from the iteration's hard labels (SPEC §4 PAA/LAD losses).
        public var hardLosses: Bool
        /// Learns from its peer's predictions (SPEC §8 focal-KL losses).
        public var softLosses: Bool
    }

    public let labels: LabelSource
    public let rule: TeacherRule
    /// The networks of the mode in order (A, then B), with their roles.
    public let roles: [Role]

    /// `frozen`: networks kept fixed although the mode would train them (e.g. CoLAD with a
    /// frozen A, which must equal LAD).
    public init(_ config: TrainingConfig, frozen: Set<NetworkID> = []) {
        func role(_ id: NetworkID, trained: Bool, costs: Bool = false, predictions: Bool = false,
                  hard: Bool = false, soft: Bool = false) -> Role {
            let t = trained && !frozen.contains(id)
            return Role(network: id, trained: t, computesCosts: costs, sendsPredictions: predictions,
                        hardLosses: hard && t, softLosses: soft && t)
        }
        rule = TeacherRule(config.colad)
        switch config.mode {
        case .baseline:
            labels = .network(.a)
            roles = [role(.a, trained: true, costs: true, hard: true)]
        case .lad:
            labels = .network(.a)
            roles = [role(.a, trained: false, costs: true), role(.b, trained: true, hard: true)]
        case .soft:
            labels = .none
            roles = [role(.a, trained: false, predictions: true), role(.b, trained: true, soft: true)]
        case .solad:
            labels = .network(.a)
            roles = [role(.a, trained: false, costs: true, predictions: true), role(.b, trained: true, hard: true, soft: true)]
        case .colad:
            labels = config.colad.granularity == .iteration ? .decidedPerIteration : .mergedPerObject
            roles = [role(.a, trained: true, costs: true, hard: true), role(.b, trained: true, costs: true, hard: true)]
        }
    }

    public var networks: [NetworkID] { roles.map(\.network) }
    public var trainedNetworks: [NetworkID] { roles.filter(\.trained).map(\.network) }

    public func role(_ id: NetworkID) -> Role {
        guard let r = roles.first(where: { $0.network == id }) else { preconditionFailure("ModePlan: no network \(id.rawValue)") }
        return r
    }

    /// The other network of the pair (nil with one network).
    public func peer(of id: NetworkID) -> NetworkID? { roles.first { $0.network != id }?.network }

    /// The network whose assignment this iteration's labels are, given the coordinator's
    /// decision; nil when no single network assigns (no hard labels, or merged per object).
    public func assigner(decided teacher: Teacher?) -> NetworkID? {
        switch labels {
        case .none, .mergedPerObject: return nil
        case .network(let id): return id
        case .decidedPerIteration: return teacher.map(NetworkID.init)
        }
    }

    /// Who teaches when no rule decides, for status: "a (own assignment)", "a (frozen)".
    public var fixedTeacher: String? {
        switch labels {
        case .decidedPerIteration, .mergedPerObject: return nil
        case .network(let id): return id.rawValue + (role(id).trained ? " (own assignment)" : " (frozen)")
        case .none: return roles.first(where: \.sendsPredictions).map { "\($0.network.rawValue) (frozen)" }
        }
    }
}

extension NetworkID {
    public init(_ teacher: Teacher) { self = teacher == .a ? .a : .b }
}

extension Teacher {
    public init(_ network: NetworkID) { self = network == .a ? .a : .b }
}
