// IoU and GIoU of two boxes (mmdet `bbox_overlaps(..., is_aligned=True)`, modes 'iou'/'giou'),
// and the gradient of the GIoU loss w.r.t. the predicted box.
//
// Forward (p = predicted, t = target):
//   A_p = (p.x2−p.x1)(p.y2−p.y1)  A_t likewise (signed, not clamped)
//   lt = max(p.xy1, t.xy1)   rb = min(p.xy2, t.xy2)   wh = clamp(rb − lt, min 0)
//   I = wh.x·wh.y   U = max(A_p + A_t − I, eps)   IoU = I / U
//   elt = min(p.xy1, t.xy1)  erb = max(p.xy2, t.xy2)  ewh = clamp(erb − elt, min 0)
//   E = max(ewh.x·ewh.y, eps)   GIoU = IoU − (E − U)/E
// Backward matches autograd exactly, including its conventions at kinks:
//   clamp(min 0) passes the gradient when the argument is ≥ 0; torch.max/torch.min of two tensors
//   split the gradient equally (½ each) when the two arguments are equal.

/// Default eps of mmdet's `bbox_overlaps` and of the PAA GIoU loss.
public let defaultOverlapEps: Double = 1e-6

/// Intersection-over-union of two boxes, union clamped ≥ eps.
@inlinable
public func iou<S: DetectionReal>(_ a: XYXYBox<S>, _ b: XYXYBox<S>, eps: S = S(defaultOverlapEps)) -> S {
    OverlapTrace(a, b, eps: eps).iou
}

/// Generalised IoU: IoU − (E − U)/E with E the enclosing-box area (clamped ≥ eps).
@inlinable
public func giou<S: DetectionReal>(_ pred: XYXYBox<S>, _ target: XYXYBox<S>, eps: S = S(defaultOverlapEps)) -> S {
    OverlapTrace(pred, target, eps: eps).giou
}

/// Gradient of `upstream · (1 − GIoU(pred, target))` w.r.t. `pred` (the target is constant).
/// The result is laid out like a box: ∂/∂x1, ∂/∂y1, ∂/∂x2, ∂/∂y2.
@inlinable
public func giouBackward<S: DetectionReal>(
    _ pred: XYXYBox<S>, _ target: XYXYBox<S>, upstream: S = 1, eps: S = S(defaultOverlapEps)
) -> XYXYBox<S> {
    let f = OverlapTrace(pred, target, eps: eps)
    let p = pred, t = target
    let dGIoU = -upstream
    // GIoU = IoU − 1 + U/E
    var dU = dGIoU / f.enclose
    let dE = -dGIoU * f.union / (f.enclose * f.enclose)
    // IoU = I / U
    var dI = dGIoU / f.union
    dU -= dGIoU * f.overlap / (f.union * f.union)
    // U = max(U0, eps), U0 = A_p + A_t − I
    let dU0 = dU * maxShare(f.union0, eps)
    let dAp = dU0
    dI -= dU0
    // E = max(ew·eh, eps), ew = clamp(erb.x − elt.x, min 0)
    let dE0 = dE * maxShare(f.enclose0, eps)
    let dEw = dE0 * f.ench * clampMinPass(f.encwRaw)
    let dEh = dE0 * f.encw * clampMinPass(f.enchRaw)
    // I = w·h, w = clamp(rb.x − lt.x, min 0)
    let dW = dI * f.interh * clampMinPass(f.interwRaw)
    let dH = dI * f.interw * clampMinPass(f.interhRaw)

    var g = XYXYBox<S>.zero
    // A_p = (p.x2 − p.x1)(p.y2 − p.y1)
    g.x2 += dAp * (p.y2 - p.y1); g.x1 -= dAp * (p.y2 - p.y1)
    g.y2 += dAp * (p.x2 - p.x1); g.y1 -= dAp * (p.x2 - p.x1)
    // Intersection: rb = min(p.x2, t.x2) enters +, lt = max(p.x1, t.x1) enters −.
    g.x2 += dW * minShare(p.x2, t.x2); g.x1 -= dW * maxShare(p.x1, t.x1)
    g.y2 += dH * minShare(p.y2, t.y2); g.y1 -= dH * maxShare(p.y1, t.y1)
    // Enclosure: erb = max(p.x2, t.x2) enters +, elt = min(p.x1, t.x1) enters −.
    g.x2 += dEw * maxShare(p.x2, t.x2); g.x1 -= dEw * minShare(p.x1, t.x1)
    g.y2 += dEh * maxShare(p.y2, t.y2); g.y1 -= dEh * minShare(p.y1, t.y1)
    return g
}

/// Every intermediate of one aligned IoU/GIoU evaluation (recomputed by the backward).
@usableFromInline
struct OverlapTrace<S: DetectionReal> {
    @usableFromInline var interwRaw: S, interhRaw: S, interw: S, interh: S, overlap: S
    @usableFromInline var union0: S, union: S, iou: S
    @usableFromInline var encwRaw: S, enchRaw: S, encw: S, ench: S, enclose0: S, enclose: S

    @inlinable
    init(_ a: XYXYBox<S>, _ b: XYXYBox<S>, eps: S) {
        interwRaw = min(a.x2, b.x2) - max(a.x1, b.x1)
        interhRaw = min(a.y2, b.y2) - max(a.y1, b.y1)
        interw = max(interwRaw, 0)
        interh = max(interhRaw, 0)
        overlap = interw * interh
        union0 = a.area + b.area - overlap
        union = max(union0, eps)
        iou = overlap / union
        encwRaw = max(a.x2, b.x2) - min(a.x1, b.x1)
        enchRaw = max(a.y2, b.y2) - min(a.y1, b.y1)
        encw = max(encwRaw, 0)
        ench = max(enchRaw, 0)
        enclose0 = encw * ench
        enclose = max(enclose0, eps)
    }

    @inlinable var giou: S { iou - (enclose - union) / enclose }
}

/// Share of ∂max(a, b) that autograd routes to `a`: 1 if a > b, ½ if equal, 0 otherwise.
@inlinable func maxShare<S: DetectionReal>(_ a: S, _ b: S) -> S { a > b ? 1 : (a == b ? 0.5 : 0) }
/// Share of ∂min(a, b) that autograd routes to `a`: 1 if a < b, ½ if equal, 0 otherwise.
@inlinable func minShare<S: DetectionReal>(_ a: S, _ b: S) -> S { a < b ? 1 : (a == b ? 0.5 : 0) }
/// Autograd mask of clamp(v, min: 0): passes at v ≥ 0.
@inlinable func clampMinPass<S: DetectionReal>(_ v: S) -> S { v >= 0 ? 1 : 0 }
