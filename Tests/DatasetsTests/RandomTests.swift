import Foundation
import XCTest
@testable import Datasets

final class RandomTests: XCTestCase {
    func testDataRNGMatchesReferenceOutputs() {
        // Reference values of SplitMix64 (Vigna) seeded with 0.
        var rng = DataRNG(state: 0)
        XCTAssertEqual([rng.next(), rng.next(), rng.next()],
                       [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        XCTAssertEqual(DataRNG.hash(0, 0), 0xE220_A839_7B1D_CDAF)
    }

    func testDrawsAreInRangeAndKeyed() {
        var rng = DataRNG(key: 1, 2, 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { counts[rng.below(7)] += 1 }
        XCTAssertTrue(counts.allSatisfy { (850...1150).contains($0) }, "\(counts)")
        for _ in 0..<1000 {
            let f = rng.unitFloat()
            XCTAssertTrue(f >= 0 && f < 1)
            XCTAssertTrue((3...5).contains(rng.int(in: 3...5)))
        }
        XCTAssertEqual(DataRNG(key: 1, 2, 3).state, DataRNG(key: 1, 2, 3).state)
        XCTAssertNotEqual(DataRNG(key: 1, 2, 3).state, DataRNG(key: 1, 3, 2).state)
        var w = DataRNG(state: 9)
        let picks = (0..<1000).map { _ in w.weighted([0, 3, 0, 1]) }
        XCTAssertEqual(Set(picks), [1, 3])
    }

    func testDeterministicSinCosIsAccurate() {
        for k in 0..<720 {
            let turns = Double(k) / 720 - 0.3
            let (s, c) = DetMath.sinCos(turns: turns)
            XCTAssertEqual(s, sin(turns * 2 * .pi), accuracy: 1e-9)
            XCTAssertEqual(c, cos(turns * 2 * .pi), accuracy: 1e-9)
        }
    }
}
