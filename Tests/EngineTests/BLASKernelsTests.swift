@testable import Engine
import XCTest

/// The kernel check behind the colad executable's OPENBLAS_CORETYPE relaunch.
final class BLASKernelsTests: XCTestCase {
    let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"]
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]

    func testUpgradesAFallbackToWhatTheCPUSupports() {
        // The VM of 2026-12-01: AVX-512, OpenBLAS 0.3.21 chose Prescott; colad targets at most
        // Haswell (SkylakeX's size-dependent rounding breaks data-parallel parity).
        XCTAssertEqual(BLASKernels.retarget(current: "Prescott", flags: avx512, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.retarget(current: "Sandybridge", flags: avx2, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.retarget(current: "Core2", flags: ["avx"], environment: [:]), "Sandybridge")
    }

    func testTakesAVX512KernelsDownToHaswell() {
        // The AMD EPYC VM of 2026-12-02: OpenBLAS chose Cooperlake, whose size-dependent rounding
        // made 2 replicas per network differ from the reference at twice the batch by 4.5e-3.
        XCTAssertEqual(BLASKernels.retarget(current: "Cooperlake", flags: avx512, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.retarget(current: "SkylakeX", flags: avx512, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.retarget(current: "SapphireRapids", flags: avx512, environment: [:]), "Haswell")
        XCTAssertNil(BLASKernels.retarget(current: "Cooperlake", flags: avx512, environment: ["OPENBLAS_CORETYPE": "Cooperlake"]),
                     "the user's choice trades parity for speed")
    }

    func testLeavesTargetOrUserChosenKernelsAlone() {
        XCTAssertNil(BLASKernels.retarget(current: "Zen", flags: avx2, environment: [:]))
        XCTAssertNil(BLASKernels.retarget(current: "Haswell", flags: avx512, environment: [:]), "never up to SkylakeX")
        XCTAssertEqual(BLASKernels.retarget(current: "Sandybridge", flags: avx512.subtracting(["avx512vl"]), environment: [:]), "Haswell")
        XCTAssertNil(BLASKernels.retarget(current: "Prescott", flags: ["sse3", "sse4_2"], environment: [:]))
        XCTAssertNil(BLASKernels.retarget(current: "Prescott", flags: avx512, environment: ["OPENBLAS_CORETYPE": "Haswell"]))
    }

    func testReadsTheFlagsLine() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse4_2 avx avx2 fma\nbugs\t\t: x\n\nprocessor\t: 1\nflags\t\t: other\n"
        XCTAssertEqual(BLASKernels.cpuFlags(cpuinfo: cpuinfo), ["fpu", "sse4_2", "avx", "avx2", "fma"])
        XCTAssertEqual(BLASKernels.cpuFlags(cpuinfo: nil), [])
        XCTAssertFalse(BLASKernels.current.isEmpty)
    }
}
