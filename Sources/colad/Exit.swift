// How the colad process ends: the one place that exits (library code returns or throws why it
// stopped). Exit codes: 0 success, 1 a user-facing error or a failed job, 64 usage errors
// (ArgumentParser). A failed multi-process job is ended for every rank with MPI_Abort.
import CMPI
import Foundation
import Runtime

/// The first failure line of this process is printed; later ones (another thread reaching the
/// same end a moment later) are not, so the job's log starts with the cause.
private let failureLine = FirstLine()
private final class FirstLine: @unchecked Sendable {
    private let lock = NSLock()
    private var printed = false
    func print(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        guard !printed else { return }
        printed = true
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    func silence() { lock.lock(); printed = true; lock.unlock() }
}

/// This process has nothing to say about how the job ended (another rank names the cause):
/// later failure lines (e.g. its watch seeing the coordinator's connection close) are not printed.
func silenceFailureLines() { failureLine.silence() }

/// Prints a user-facing error (its description carries file/field/value/hint) and exits 1.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

/// Exits 1 after the failure was reported (e.g. start-up errors gathered over MPI and printed once).
func exitFailed() -> Never {
    SocketFiles.removeAll()
    exit(1)
}

/// Prints one line to stderr (e.g. "colad: job failed: …") and exits 1.
func failJob(_ line: String) -> Never {
    failureLine.print(line)
    SocketFiles.removeAll()
    exit(1)
}

/// Prints one line to stderr and ends every process of the MPI job (mpirun kills the others).
/// MPI_Abort needs mpirun: on a host cut off from it, it may never return, so a watchdog ends
/// this process 2 s later regardless — a partition never leaves it behind.
func abortJob(_ line: String) -> Never {
    failureLine.print(line)
    SocketFiles.removeAll()
    Thread.detachNewThread { Thread.sleep(forTimeInterval: 2); _exit(1) }
    MPI_Abort(colad_mpi_comm_world(), 1)
    _exit(1)
}

/// Prints one line and ends this process at once, from any thread and without MPI calls (off the
/// main thread MPI may not be called): mpirun sees the non-zero exit and ends the job.
func failNow(_ line: String) -> Never {
    failureLine.print(line)
    SocketFiles.removeAll()
    _exit(1)
}

/// Ends this process when mpirun ends the job (SIGTERM), after printing `line` if there is one
/// (only the ranks that know the cause speak; the others end quietly).
func endOnSignal(_ line: String?) -> Never {
    if let line { failureLine.print(line) }
    SocketFiles.removeAll()
    _exit(1)
}
