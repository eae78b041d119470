// The one naming scheme for a run's scalars (docs/observability.md): what a metrics.jsonl line
// holds, as (tag, step, value). TensorBoard event files are written from it, `colad plot`
// reads curves through it, so a tag means the same thing everywhere.
//
//   NET/loss/{total,cls,box,iou,kd_cls,kd_iou,kd_box}   NET/lr   NET/num_pos
//   NET/eval/{bbox_mAP,bbox_mAP_50,…}                    (evaluation lines; pycocotools' −1 left out)
//   job/images_per_s   job/time/{data,forward,…,total}   (seconds per phase, slowest rank)
//   colad/teacher_is_b (1 B, 0 A; absent when mixed)     colad/b_label_share
//   colad/{a,b}_{mean,std}                              (the rule's statistics, when defined)
//
// Step = iterations completed (metrics.jsonl's 0-based `iteration` + 1), as in the log lines
// (`eval a @500`) and status.
import Foundation

public struct Scalar: Equatable, Sendable {
    public var tag: String
    public var step: Int
    public var value: Double
    public init(tag: String, step: Int, value: Double) { self.tag = tag; self.step = step; self.value = value }
}

public enum ScalarTags {
    static let lossParts = ["total", "cls", "box", "iou", "kd_cls", "kd_iou", "kd_box"]
    static let networkNames = ["a", "b"]

    /// The scalars of one metrics.jsonl line (an iteration or an evaluation); [] for a line
    /// without an integer `iteration`. Keys the scheme does not name are ignored.
    public static func scalars(_ line: [String: Any]) -> [Scalar] {
        guard let t = line["iteration"] as? Int else { return [] }
        var out: [Scalar] = []
        func add(_ tag: String, _ v: Any?) {
            if let d = number(v), d.isFinite { out.append(Scalar(tag: tag, step: t, value: d)) }
        }
        if let net = line["eval"] as? String {
            // pycocotools' −1 means "no objects of this kind" (e.g. no large objects): not a value.
            for key in line.keys.sorted() where key != "iteration" && key != "eval" && key != "wall_time" {
                if let v = number(line[key]), v < 0 { continue }
                add("\(net)/eval/\(key)", line[key])
            }
            return out
        }
        for net in networkNames {
            guard let n = line[net] as? [String: Any] else { continue }
            for part in lossParts { add("\(net)/loss/\(part)", n[part]) }
            add("\(net)/lr", n["lr"])
            add("\(net)/num_pos", n["num_pos"])
        }
        add("job/images_per_s", line["images_per_s"])
        if let times = line["time"] as? [String: Any] {
            for key in times.keys.sorted() { add("job/time/\(key)", times[key]) }
        }
        if let teacher = line["teacher"] as? String, teacher != "mixed" { add("colad/teacher_is_b", teacher == "b" ? 1.0 : 0.0) }
        add("colad/b_label_share", line["t_ratio"])
        // metrics.jsonl keeps SPEC §9's slot names: s_* are A's statistics, t_* are B's.
        add("colad/a_mean", line["s_mean"]); add("colad/a_std", line["s_std"])
        add("colad/b_mean", line["t_mean"]); add("colad/b_std", line["t_std"])
        return out
    }

    static func number(_ v: Any?) -> Double? {
        switch v {
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let f as Float: return Double(f)
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }
}
