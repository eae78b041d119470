// Before anything else (MPI, threads, logs), the colad process makes sure OpenBLAS runs the
// kernels colad targets on this CPU (Engine/BLASKernels.swift: the best up to Haswell): when its
// load-time detection chose older ones (a fallback) or newer ones (SkylakeX-class, whose
// rounding breaks data-parallel parity), the process re-executes itself once with
// OPENBLAS_CORETYPE set. The PID, the
// arguments and the open descriptors stay, so mpirun, srun and shells see the same process.
import Engine
import Foundation

enum BLASRelaunch {
    static func ifNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env[BLASKernels.relaunchMarker] == nil else { return }   // at most once
        let detected = BLASKernels.current
        guard let target = BLASKernels.retarget(current: detected, flags: BLASKernels.cpuFlags(), environment: env) else { return }
        setenv("OPENBLAS_CORETYPE", target, 1)
        setenv(BLASKernels.relaunchMarker, detected, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // Only reached when execv failed: carry on with the detected kernels.
        let reason = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE"); unsetenv(BLASKernels.relaunchMarker)
        FileHandle.standardError.write(Data(("colad: warning: OpenBLAS chose \(detected) kernels where colad runs \(target), and "
            + "re-executing with OPENBLAS_CORETYPE=\(target) failed (\(reason)); GEMMs run slower or round differently\n"
            + "  hint: set OPENBLAS_CORETYPE=\(target) in the environment\n").utf8))
    }
}
