/// Box overlap exactly as pycocotools' `maskUtils.iou` for boxes (`bbIou` in maskApi.c):
/// corners are `x + w`, `y + h` (no `+1`); for a crowd ground truth the union is replaced by
/// the detection's own area, so a detection lying inside a crowd region scores 1.
///
/// Returns 0 when the boxes do not overlap with positive width and height.
func cocoIoU(detection d: COCOBox, groundTruth g: COCOBox, isCrowd: Bool) -> Double {
    let w = min(d.width + d.x, g.width + g.x) - max(d.x, g.x)
    if w <= 0 { return 0 }
    let h = min(d.height + d.y, g.height + g.y) - max(d.y, g.y)
    if h <= 0 { return 0 }
    let intersection = w * h
    let detectionArea = d.width * d.height
    let union = isCrowd ? detectionArea : detectionArea + g.width * g.height - intersection
    return intersection / union
}
