import Config
import Distillation
import Training
import XCTest

/// The mode table of DESIGN.md §2 / SPEC §7–§9, as the plan states it.
final class ModePlanTests: XCTestCase {
    func plan(_ mode: Mode, _ granularity: Granularity = .iteration, frozen: Set<NetworkID> = []) -> ModePlan {
        var c = miniConfig(mode)
        c.colad.granularity = granularity
        return ModePlan(c, frozen: frozen)
    }

    /// (trained, computesCosts, sendsPredictions, hardLosses, softLosses) per network.
    func roles(_ p: ModePlan) -> [String] {
        p.roles.map { r in
            "\(r.network.rawValue):" + [r.trained ? "T" : "-", r.computesCosts ? "C" : "-", r.sendsPredictions ? "P" : "-",
                                        r.hardLosses ? "H" : "-", r.softLosses ? "S" : "-"].joined()
        }
    }

    func testEveryModesRoles() {
        XCTAssertEqual(roles(plan(.baseline)), ["a:TC-H-"])
        XCTAssertEqual(roles(plan(.lad)), ["a:-C---", "b:T--H-"])
        XCTAssertEqual(roles(plan(.soft)), ["a:--P--", "b:T---S"])
        XCTAssertEqual(roles(plan(.solad)), ["a:-CP--", "b:T--HS"])
        XCTAssertEqual(roles(plan(.colad)), ["a:TC-H-", "b:TC-H-"])
        XCTAssertEqual(roles(plan(.colad, .object)), ["a:TC-H-", "b:TC-H-"])
        XCTAssertEqual(plan(.baseline).labels, .network(.a))
        XCTAssertEqual(plan(.lad).labels, .network(.a))
        XCTAssertEqual(plan(.solad).labels, .network(.a))
        XCTAssertEqual(plan(.soft).labels, ModePlan.LabelSource.none)
        XCTAssertEqual(plan(.colad).labels, .decidedPerIteration)
        XCTAssertEqual(plan(.colad, .object).labels, .mergedPerObject)
    }

    func testFrozenNetworkNeitherTrainsNorLearns() {
        let p = plan(.colad, frozen: [.a])
        XCTAssertEqual(roles(p), ["a:-C---", "b:TC-H-"], "a frozen A still assigns when chosen")
        XCTAssertEqual(p.trainedNetworks, [.b])
    }

    func testAssignerFollowsTheDecisionOnlyWhenTheRuleDecides() {
        XCTAssertEqual(plan(.baseline).assigner(decided: nil), .a)
        XCTAssertEqual(plan(.lad).assigner(decided: .b), .a, "lad: A assigns whatever the decision says")
        XCTAssertEqual(plan(.colad).assigner(decided: .b), .b)
        XCTAssertEqual(plan(.colad).assigner(decided: .a), .a)
        XCTAssertNil(plan(.colad, .object).assigner(decided: .a), "per object: both sides merge")
        XCTAssertNil(plan(.soft).assigner(decided: nil))
    }

    func testStatusDescriptionsAndPeers() {
        XCTAssertEqual(plan(.baseline).fixedTeacher, "a (own assignment)")
        XCTAssertEqual(plan(.lad).fixedTeacher, "a (frozen)")
        XCTAssertEqual(plan(.soft).fixedTeacher, "a (frozen)")
        XCTAssertNil(plan(.colad).fixedTeacher)
        XCTAssertNil(plan(.baseline).peer(of: .a))
        XCTAssertEqual(plan(.lad).peer(of: .a), .b)
    }
}
