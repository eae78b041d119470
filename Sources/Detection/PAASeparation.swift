// PAA's separation of one GT's top-k candidates into positives and negatives (SPEC §5 steps 4–5,
// scheme "(c)" of PAA Fig. 3 as in mmdet's `gmm_separation_scheme`):
//   costs s_1 ≤ … ≤ s_n → GaussianMixture1D fit → labels c_i, log-densities d_i
//   F  = { i : c_i = foreground } in ascending-cost order (may be non-contiguous)
//   j* = the first i ∈ F maximising d_i
//   positives = members of F up to and including j*; everything else is negative (no ignores).

/// The outcome of separating one GT's candidates.
public struct PAASeparation: Equatable, Sendable {
    /// Positions, in the ascending-cost order, of the candidates that become positives
    /// (ascending; empty when the foreground component claims no sample).
    public let positiveIndices: [Int]
    /// The fitted mixture the decision came from.
    public let fit: GaussianMixture1D

    /// Number of positives.
    public var positiveCount: Int { positiveIndices.count }
}

/// Why a GT gets no separation at all; PAA then skips it (all its candidates become negative).
public enum PAASeparationError: Error, Equatable, Sendable {
    /// |T_g| < 2: mmdet PAA/LAD/CoLAD give the GT no positives.
    case tooFewCandidates(count: Int)
    /// The costs are not in ascending order (first offending position).
    case notSorted(index: Int)
    /// The mixture fit failed (non-finite cost, degenerate covariance, …).
    case fitFailed(GMMFitError)
}

/// Fits the 2-component mixture to one GT's candidate costs (sorted ascending) and returns the
/// positives of PAA's scheme (c). Use `.mmdetFloat32` arithmetic to reproduce mmdet, which hands
/// sklearn a float32 array (see `GaussianMixture1D.Arithmetic`).
public func paaSeparation<C: Collection>(
    sortedCosts: C, options: GaussianMixture1D.Options = .init()
) throws(PAASeparationError) -> PAASeparation where C.Element: BinaryFloatingPoint {
    let costs = sortedCosts.map { Double($0) }
    guard costs.count >= 2 else { throw .tooFewCandidates(count: costs.count) }
    if let i = costs.indices.dropFirst().first(where: { costs[$0] < costs[$0 - 1] }) {
        throw .notSorted(index: i)
    }
    let fit: GaussianMixture1D
    do { fit = try GaussianMixture1D.fit(costs, options: options) } catch { throw .fitFailed(error) }

    return PAASeparation(positiveIndices: PAASeparation.positives(labels: fit.labels, logDensities: fit.logDensities),
                         fit: fit)
}

extension PAASeparation {
    /// Scheme (c) on given labels and densities (ascending-cost order): the foreground members
    /// up to and including the first foreground sample of maximal log-density.
    public static func positives(labels: [GaussianMixture1D.Component], logDensities: [Double]) -> [Int] {
        precondition(labels.count == logDensities.count, "labels and densities must align")
        let foreground = labels.indices.filter { labels[$0] == .foreground }
        var peak: Int? = nil  // position within `foreground` of the first maximal density
        for (k, i) in foreground.enumerated() {
            if let p = peak, logDensities[i] <= logDensities[foreground[p]] { continue }
            peak = k
        }
        guard let peak else { return [] }
        return Array(foreground[...peak])
    }
}
