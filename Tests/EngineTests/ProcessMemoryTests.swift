@testable import Engine
import XCTest

final class ProcessMemoryTests: XCTestCase {
    /// Touching 64 MiB raises the resident set by about that much, and the peak follows.
    func testResidentSetFollowsTouchedMemory() throws {
        let before = try XCTUnwrap(ProcessMemory.residentBytes())
        let n = 64 << 20
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        defer { p.deallocate() }
        for i in stride(from: 0, to: n, by: 4096) { p[i] = UInt8(truncatingIfNeeded: i >> 12) }
        let during = try XCTUnwrap(ProcessMemory.residentBytes())
        XCTAssertGreaterThan(during - before, 56 << 20, "resident \(before) → \(during)")
        XCTAssertGreaterThanOrEqual(ProcessMemory.peakResidentBytes(), during - (1 << 20))
        XCTAssertEqual(Int(p[4096 * 7]), 7)
    }
}
