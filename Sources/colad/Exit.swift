// How the colad process ends: the one place that exits (library code returns or throws why it
// stopped). Exit codes: 0 success, 1 a user-facing error or a failed job, 2 usage errors
// (ArgumentParser). A failed multi-process job is ended for every rank with MPI_Abort.
import CMPI
import Foundation

/// Prints a user-facing error (its description carries file/field/value/hint) and exits 1.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

/// Prints one line to stderr (e.g. "colad: job failed: …") and exits 1.
func failJob(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(1)
}

/// Prints one line to stderr and ends every process of the MPI job (mpirun kills the others).
func abortJob(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    MPI_Abort(colad_mpi_comm_world(), 1)
    exit(1)
}

/// Prints one line to stderr and ends this process at once, from any thread, without running
/// cleanup (the main thread may be blocked in MPI).
func endProcessNow(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    _exit(1)
}
