// Test-only builders: an anchor grid (the PAA module owns the real one) and head outputs that
// are "silent" everywhere except where a test writes logits.

import Detection
import Engine
import Foundation
import Models
@testable import Inference

/// The anchor layout the tests assume: one square anchor per cell, side = 4·stride, centred at
/// (j·s, i·s) (SPEC §1 centre offset 0). Flat, level-major then row-major.
struct TestGrid {
    let strides: [Int]
    /// Per level (H, W) = ⌈pad / stride⌉.
    let shapes: [(h: Int, w: Int)]
    let anchors: [BoxXYXY]

    init(pad: Int, strides: [Int] = [8, 16, 32]) {
        self.strides = strides
        shapes = strides.map { s in ((pad + s - 1) / s, (pad + s - 1) / s) }
        var a: [BoxXYXY] = []
        for (s, shape) in zip(strides, shapes) {
            let half = Float(2 * s)
            for i in 0..<shape.h {
                for j in 0..<shape.w {
                    let cx = Float(j * s), cy = Float(i * s)
                    a.append(BoxXYXY(x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half))
                }
            }
        }
        anchors = a
    }

    /// Flat index of cell (i, j) of `level`.
    func index(level: Int, _ i: Int, _ j: Int) -> Int {
        shapes.prefix(level).reduce(0) { $0 + $1.h * $1.w } + i * shapes[level].w + j
    }

    /// SPEC §1 validity: cell (i, j) of stride s is valid iff i < ⌈height/s⌉ and j < ⌈width/s⌉.
    func valid(width: Int, height: Int) -> [Bool] {
        var v: [Bool] = []
        for (s, shape) in zip(strides, shapes) {
            let vh = min((height + s - 1) / s, shape.h), vw = min((width + s - 1) / s, shape.w)
            for i in 0..<shape.h { for j in 0..<shape.w { v.append(i < vh && j < vw) } }
        }
        return v
    }

    var allValid: [Bool] { [Bool](repeating: true, count: anchors.count) }
}

/// Head outputs for `batch` images on `grid` in which every score is negligible
/// (cls logit −20, IoU logit 0: s = √(σ(−20)·½) ≈ 3e-5) until a test sets an anchor.
struct TestHead {
    let grid: TestGrid
    let classes: Int
    var outputs: HeadOutputs

    init(grid: TestGrid, classes: Int, batch: Int = 1) {
        self.grid = grid
        self.classes = classes
        outputs = HeadOutputs(
            cls: grid.shapes.map { Tensor(shape: [batch, $0.h, $0.w, classes], repeating: -20) },
            reg: grid.shapes.map { Tensor(shape: [batch, $0.h, $0.w, 4], repeating: 0) },
            iou: grid.shapes.map { Tensor(shape: [batch, $0.h, $0.w, 1], repeating: 0) })
    }

    /// Sets flat anchor `a` of image `b`: class probabilities p (nil entries stay at −20 logits),
    /// IoU probability q, and the raw delta.
    mutating func set(_ a: Int, image b: Int = 0, p: [Int: Double], q: Double, delta: BoxDelta = .zero) {
        var level = 0, local = a
        while local >= grid.shapes[level].h * grid.shapes[level].w {
            local -= grid.shapes[level].h * grid.shapes[level].w
            level += 1
        }
        let hw = grid.shapes[level].h * grid.shapes[level].w
        for (c, pc) in p { outputs.cls[level].data[(b * hw + local) * classes + c] = logit(pc) }
        outputs.iou[level].data[b * hw + local] = logit(q)
        let r = (b * hw + local) * 4
        outputs.reg[level].data[r..<r + 4] = [delta.dx, delta.dy, delta.dw, delta.dh]
    }

    /// Runs `detect` on image `b` with the given NMS implementation.
    func detect(_ config: PostProcessConfig = PostProcessConfig(), image b: Int = 0, valid: [Bool]? = nil,
                size: (width: Float, height: Float)? = nil, scale: ResizeScale = 1,
                nms: NMSAlgorithm = .sorted) -> [ScoredBox] {
        let pad = Float(grid.shapes[0].w * grid.strides[0])
        return PostProcessor(config: config).detect(
            outputs: outputs, image: b, anchors: grid.anchors, valid: valid ?? grid.allValid,
            imageSize: size ?? (pad, pad), scale: scale, nms: nms)
    }
}

/// log(p / (1 − p)) in Float: σ of it gives back p to Float rounding.
func logit(_ p: Double) -> Float { Float(Foundation.log(p / (1 - p))) }

/// √(p·q) as the post-processor computes it, from the same Float logits.
func expectedScore(_ p: Double, _ q: Double) -> Float {
    (Logistic.sigmoid(logit(p)) * Logistic.sigmoid(logit(q))).squareRoot()
}
