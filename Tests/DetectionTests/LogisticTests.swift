import Detection
import Foundation
import XCTest

final class LogisticTests: XCTestCase {
    func testPartsMatchSeparateFunctionsBitForBit() {
        var z: Float = -120
        while z <= 120 {
            let (p, q, logP) = Logistic.parts(z)
            XCTAssertEqual(p.bitPattern, Logistic.sigmoid(z).bitPattern, "z \(z)")
            XCTAssertEqual(q.bitPattern, Logistic.sigmoid(-z).bitPattern, "z \(z)")
            XCTAssertEqual(logP.bitPattern, Logistic.logSigmoid(z).bitPattern, "z \(z)")
            z += 0.173
        }
    }

    func testStableAtExtremes() {
        // σ(±200) saturates without NaN; log σ(−200) = −200 exactly to Float precision.
        XCTAssertEqual(Logistic.sigmoid(Float(200)), 1)
        XCTAssertEqual(Logistic.sigmoid(Float(-200)), 0)
        XCTAssertEqual(Logistic.logSigmoid(Float(-200)), -200)
        XCTAssertEqual(Logistic.softplus(Float(200)), 200)
        XCTAssertEqual(Logistic.softplus(Float(0)), Float(log(2.0)), accuracy: 1e-7)
    }
}
