// A small Swift face for the MPI calls colad uses: world start-up, communicator split,
// in-place all-reduce of Float/Double buffers, allgather of bytes, barrier.
// MPI errors are returned (MPI_ERRORS_RETURN), not fatal, and surface as `MPIError`.
import CMPI
import Foundation

public struct MPIError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public var description: String {
        var buf = [CChar](repeating: 0, count: 512)
        var len: Int32 = 0
        MPI_Error_string(code, &buf, &len)
        return "\(call) failed: \(String(cString: buf)) (code \(code))"
    }
}

@inline(__always) func check(_ rc: Int32, _ call: String) throws {
    if rc != colad_mpi_success() { throw MPIError(call: call, code: rc) }
}

/// A communicator (the world or a sub-group).
public final class Communicator {
    let comm: MPI_Comm
    public let rank: Int
    public let size: Int

    init(_ comm: MPI_Comm) throws {
        self.comm = comm
        var r: Int32 = 0, s: Int32 = 0
        try check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
        try check(MPI_Comm_size(comm, &s), "MPI_Comm_size")
        rank = Int(r); size = Int(s)
    }

    /// In-place sum over all ranks.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try check(MPI_Allreduce(colad_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), colad_mpi_float(),
                                colad_mpi_sum(), comm), "MPI_Allreduce(float)")
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try check(MPI_Allreduce(colad_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), colad_mpi_double(),
                                colad_mpi_sum(), comm), "MPI_Allreduce(double)")
    }

    public func allReduceSum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return v
    }

    /// Every rank contributes `bytes`; returns all ranks' contributions in rank order.
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var len = Int64(bytes.count)
        var lens = [Int64](repeating: 0, count: size)
        try check(MPI_Allgather(&len, 1, colad_mpi_int64(), &lens, 1, colad_mpi_int64(), comm), "MPI_Allgather(len)")
        let maxLen = Int(lens.max() ?? 0)
        var send = bytes + [UInt8](repeating: 0, count: maxLen - bytes.count)
        var recv = [UInt8](repeating: 0, count: maxLen * size)
        try check(MPI_Allgather(&send, Int32(maxLen), colad_mpi_byte(), &recv, Int32(maxLen), colad_mpi_byte(), comm),
                  "MPI_Allgather(bytes)")
        return (0..<size).map { Array(recv[($0 * maxLen)..<($0 * maxLen + Int(lens[$0]))]) }
    }

    public func barrier() throws { try check(MPI_Barrier(comm), "MPI_Barrier") }

    /// A barrier whose waiting ranks sleep between polls (MPI_Ibarrier + MPI_Test every
    /// `interval` seconds) instead of spinning like MPI_Barrier: they leave the cores to a rank
    /// that is timing something (the thread plan's cost measurement).
    public func barrier(pollingEvery interval: Double) throws {
        var request = colad_mpi_request_null()
        try check(MPI_Ibarrier(comm, &request), "MPI_Ibarrier")
        var done: Int32 = 0
        while true {
            try check(colad_mpi_test(&request, &done), "MPI_Test")
            if done != 0 { return }
            usleep(useconds_t(interval * 1e6))
        }
    }

    /// Collective: every rank reports its error (nil when it has none); every rank gets all
    /// reported errors as (rank, host, message), in rank order — empty when no rank failed. Lets
    /// start-up checks (config, files) fail on every rank together with one report.
    public func gatherErrors(_ local: String?) throws -> [(rank: Int, host: String, message: String)] {
        let mine = local.map { MPIRuntime.processorName() + "\u{0}" + $0 } ?? ""
        return try allGather(Array(mine.utf8)).enumerated().compactMap { rank, bytes in
            guard !bytes.isEmpty else { return nil }
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
            return (rank, String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// Splits into sub-communicators by `color`; ranks keep their relative order (key = rank).
    /// A negative color returns nil (the rank joins no group).
    public func split(color: Int) throws -> Communicator? {
        var out: MPI_Comm? = nil
        try check(MPI_Comm_split(comm, color < 0 ? colad_mpi_undefined() : Int32(color), Int32(rank), &out), "MPI_Comm_split")
        guard let out, color >= 0 else { return nil }
        return try Communicator(out)
    }
}

/// Process-wide MPI state. `start()` is idempotent; `finish()` must be called before exit.
public enum MPIRuntime {
    nonisolated(unsafe) private static var world_: Communicator?

    /// True when launched by mpirun (Open MPI sets these).
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMI_SIZE"] != nil || env["PMIX_RANK"] != nil
    }

    public static func start() throws -> Communicator {
        if let w = world_ { return w }
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, colad_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        try check(MPI_Comm_set_errhandler(colad_mpi_comm_world(), colad_mpi_errors_return()), "MPI_Comm_set_errhandler")
        let w = try Communicator(colad_mpi_comm_world())
        world_ = w
        return w
    }

    public static func finish() {
        guard world_ != nil else { return }
        MPI_Finalize()
        world_ = nil
    }

    /// The host name MPI reports for this process.
    public static func processorName() -> String {
        var buf = [CChar](repeating: 0, count: Int(colad_mpi_max_processor_name()) + 1)
        var len: Int32 = 0
        MPI_Get_processor_name(&buf, &len)
        return String(cString: buf)
    }

    public static func version() -> String {
        var buf = [CChar](repeating: 0, count: 8192)
        var len: Int32 = 0
        MPI_Get_library_version(&buf, &len)
        return String(cString: buf).split(separator: "\n").first.map(String.init) ?? ""
    }
}
