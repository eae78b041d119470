// DeltaXYWH box decoding (SPEC §3) and its gradient.
//
// Forward, per anchor a = (x1,y1,x2,y2) and raw delta δ = (dx,dy,dw,dh):
//   px = (a.x1 + a.x2)·0.5   pw = a.x2 − a.x1          (likewise py, ph)
//   dx' = 0.1·dx   dw' = clamp(0.2·dw, −M, M),  M = |log(16/1000)| ≈ 4.135
//   gx = px + pw·dx'   gw = pw·e^{dw'}
//   box = (gx − gw·0.5, gy − gh·0.5, gx + gw·0.5, gy + gh·0.5), optionally clamped to [0,W]×[0,H]
// The order of operations is mmdet's `delta2bbox`, so Float results agree with torch to rounding.
//
// Backward follows autograd for clamp: the gradient passes where min ≤ value ≤ max (bounds
// included) and is 0 strictly outside, for both the log-ratio clamp and the image clip.

/// The delta coder of the PAA head: means 0, stds (0.1, 0.1, 0.2, 0.2), log-ratio clamp
/// ±|log(16/1000)|, `reg_decoded_bbox=True` (targets are never encoded, so only decode exists).
public enum DeltaXYWHCoder {
    /// Standard deviations applied to (dx, dy, dw, dh); the means are all 0.
    public static let stds: (dx: Double, dy: Double, dw: Double, dh: Double) = (0.1, 0.1, 0.2, 0.2)
    /// |log(16/1000)|: the scaled log-ratios 0.2·dw, 0.2·dh are clamped to ±this.
    public static let maxLogRatio: Double = 4.135166556742356

    /// Decodes one anchor's delta into a corner box. `clipTo` = (width, height) of the resized,
    /// unpadded image clamps the corners to [0, W]×[0, H] (inference and the KD head only).
    @inlinable
    public static func decode<S: DetectionReal>(
        anchor: XYXYBox<S>, delta: DeltaXYWH<S>, clipTo size: (width: S, height: S)? = nil
    ) -> XYXYBox<S> {
        let t = DecodeTrace(anchor: anchor, delta: delta)
        guard let size else { return t.box }
        return XYXYBox(x1: clampValue(t.box.x1, 0, size.width), y1: clampValue(t.box.y1, 0, size.height),
                       x2: clampValue(t.box.x2, 0, size.width), y2: clampValue(t.box.y2, 0, size.height))
    }

    /// Gradient of a scalar loss w.r.t. the raw delta, given `dBox` = ∂loss/∂(decoded box).
    /// The anchor is constant. Pass the same `clipTo` as in the forward decode.
    @inlinable
    public static func decodeBackward<S: DetectionReal>(
        anchor: XYXYBox<S>, delta: DeltaXYWH<S>, dBox: XYXYBox<S>,
        clipTo size: (width: S, height: S)? = nil
    ) -> DeltaXYWH<S> {
        let t = DecodeTrace(anchor: anchor, delta: delta)
        var g = dBox
        if let size {
            g.x1 *= clampPass(t.box.x1, 0, size.width)
            g.y1 *= clampPass(t.box.y1, 0, size.height)
            g.x2 *= clampPass(t.box.x2, 0, size.width)
            g.y2 *= clampPass(t.box.y2, 0, size.height)
        }
        // x1 = gx − 0.5·gw, x2 = gx + 0.5·gw  ⇒  ∂/∂gx = g.x1 + g.x2,  ∂/∂gw = 0.5·(g.x2 − g.x1)
        let dgx = g.x1 + g.x2, dgy = g.y1 + g.y2
        let dgw = (g.x2 - g.x1) * 0.5, dgh = (g.y2 - g.y1) * 0.5
        // gx = px + pw·(0.1·dx);  gw = pw·e^{clamp(0.2·dw)}  ⇒  ∂gw/∂dw = 0.2·gw inside the clamp
        return DeltaXYWH(
            dx: dgx * t.pw * S(stds.dx),
            dy: dgy * t.ph * S(stds.dy),
            dw: dgw * t.gw * S(stds.dw) * t.dwPass,
            dh: dgh * t.gh * S(stds.dh) * t.dhPass)
    }
}

/// Intermediate values of one decode, shared by forward and backward.
@usableFromInline
struct DecodeTrace<S: DetectionReal> {
    @usableFromInline var pw: S, ph: S, gw: S, gh: S
    /// 1 where the scaled log-ratio lies inside [−M, M] (bounds included), else 0.
    @usableFromInline var dwPass: S, dhPass: S
    @usableFromInline var box: XYXYBox<S>

    @inlinable
    init(anchor a: XYXYBox<S>, delta d: DeltaXYWH<S>) {
        let m = S(DeltaXYWHCoder.maxLogRatio)
        let dx = d.dx * S(DeltaXYWHCoder.stds.dx), dy = d.dy * S(DeltaXYWHCoder.stds.dy)
        let dwRaw = d.dw * S(DeltaXYWHCoder.stds.dw), dhRaw = d.dh * S(DeltaXYWHCoder.stds.dh)
        let dw = clampValue(dwRaw, -m, m), dh = clampValue(dhRaw, -m, m)
        dwPass = clampPass(dwRaw, -m, m)
        dhPass = clampPass(dhRaw, -m, m)
        let px = (a.x1 + a.x2) * 0.5, py = (a.y1 + a.y2) * 0.5
        pw = a.x2 - a.x1
        ph = a.y2 - a.y1
        gw = pw * S.exp(dw)
        gh = ph * S.exp(dh)
        let gx = px + pw * dx, gy = py + ph * dy
        box = XYXYBox(x1: gx - gw * 0.5, y1: gy - gh * 0.5, x2: gx + gw * 0.5, y2: gy + gh * 0.5)
    }
}

/// torch.clamp(v, lo, hi).
@inlinable func clampValue<S: DetectionReal>(_ v: S, _ lo: S, _ hi: S) -> S { min(max(v, lo), hi) }

/// Autograd mask of torch.clamp: 1 when lo ≤ v ≤ hi, else 0.
@inlinable func clampPass<S: DetectionReal>(_ v: S, _ lo: S, _ hi: S) -> S { (v >= lo && v <= hi) ? 1 : 0 }
