import Backend
import Dataset
import Foundation

/// t-SNE (van der Maaten and Hinton 2008) in two dimensions, as scikit-learn's `TSNE` and
/// openTSNE: affinities from the exact k-NN graph on the backend (`TSNEAffinities`, k = 3
/// perplexity + 1, as scikit-learn), PCA initialisation scaled to standard deviation 1e-4 on the first axis, then
/// openTSNE's optimiser (Policar et al. 2024; Belkina et al. 2019 for the learning rate): gradient
/// descent with momentum 0.8 and gains (+0.2 when the gradient turns, else x0.8 + 0.01, kept
/// across phases), steps at most 5 units, the layout re-centred each iteration; early
/// exaggeration 12 for 250 iterations, then 1, learning rate `n / exaggeration`; 750 iterations in
/// all (250 + 500). The repulsion is exact for up to `exactLimit` points and FFT-accelerated
/// interpolation above (`TSNEGradient`). The KL divergence `sum p log(p / q)` is reported.
public enum TSNE {
    public enum Gradient: String, CaseIterable, Sendable { case auto, exact, fft }
    public enum Initialisation: String, CaseIterable, Sendable { case pca, random }

    public struct Configuration: Sendable {
        public var perplexity = 30.0
        public var earlyExaggeration = 12.0
        public var earlyIterations = 250
        /// Iterations in all, the early ones included.
        public var iterations = 750
        /// In scikit-learn's units (its gradient carries the factor 4). Default: openTSNE's "auto",
        /// `n / exaggeration` in openTSNE's units, i.e. scikit-learn's `max(n / 12 / 4, 50)` during
        /// early exaggeration (n >= 2,400) and 12 times that after it.
        public var learningRate: Double?
        /// openTSNE's: 0.8 in both phases.
        public var momentum = 0.8
        /// openTSNE's `max_step_norm`: no point moves farther than this in one iteration.
        public var maxStepNorm = 5.0
        public var gradient = Gradient.auto
        public var initialisation = Initialisation.pca
        public var exactLimit = 2000
        /// Interpolation nodes per box of the FFT repulsion (openTSNE: 3).
        public var interpolationNodes = 3
        /// Largest n whose final KL divergence uses the exact Z.
        public var exactKLLimit = 20_000
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Result: Sendable {
        /// `[n, 2]`.
        public var embedding: [Float]
        public var klDivergence: Double
        public var seconds: [String: Double]
        public var gradient: Gradient
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> Result {
        try ReduceInput.validate(x, rows: n, dim: d, dims: 2, maxDims: 2, method: "t-SNE")
        guard c.perplexity > 0, 3 * c.perplexity < Double(n) else {
            throw ReduceError("--perplexity \(c.perplexity) must be positive and below a third of the points (\(n))")
        }
        guard c.iterations >= 1, c.earlyIterations >= 0, c.earlyIterations <= c.iterations else {
            throw ReduceError("--max-iter \(c.iterations) must be at least 1 and at least the early-exaggeration iterations (\(c.earlyIterations))")
        }
        if let lr = c.learningRate, !(lr > 0) { throw ReduceError("--learning-rate \(lr) must be positive") }
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ phase: String) { seconds[phase] = Date().timeIntervalSince(clock); clock = Date() }
        let k = min(n - 1, Int(3 * c.perplexity + 1)) // scikit-learn's count, the point itself excluded
        let graph = try backend.kNearestNeighbours(x, rows: n, dim: d, k: k, excludeSelf: true) { progress("k-NN", $0, $1) }
        lap("k-NN")
        let p = TSNEAffinities(graph: graph, perplexity: c.perplexity)
        lap("affinities")
        var y: [Double]
        switch c.initialisation {
        case .pca:
            let (_, projection) = try PCA.fit(x, rows: n, dim: d, configuration: .init(components: 2), backend: backend)
            let first = (0 ..< n).map { Double(projection[2 * $0]) }
            let mean = first.reduce(0, +) / Double(n)
            let std = (first.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            y = projection.map { Double($0) / max(std, 1e-300) * 1e-4 }
        case .random:
            var rng = SplitMix64(seed: c.seed)
            y = (0 ..< 2 * n).map { _ in 1e-4 * rng.nextGaussian() }
        }
        lap("initialisation")
        let gradient: Gradient = c.gradient == .auto ? (n <= c.exactLimit ? .exact : .fft) : c.gradient
        var update = [Double](repeating: 0, count: 2 * n), gains = [Double](repeating: 1, count: 2 * n)
        var attract = [Double](repeating: 0, count: 2 * n), repel = [Double](repeating: 0, count: 2 * n)
        var z = 0.0
        for iteration in 0 ..< c.iterations {
            let exaggeration = iteration < c.earlyIterations ? c.earlyExaggeration : 1
            // openTSNE's units: the gradient without the factor 4, the rate n / exaggeration.
            let rate = c.learningRate.map { 4 * $0 } ?? Double(n) / exaggeration
            TSNEGradient.attraction(p, y, into: &attract)
            z = gradient == .exact ? TSNEGradient.exactRepulsion(y, count: n, into: &repel)
                                   : TSNEGradient.interpolatedRepulsion(y, count: n, into: &repel, nodesPerBox: c.interpolationNodes)
            let inverseZ = 1 / max(z, Double.leastNormalMagnitude)
            var mean = (0.0, 0.0)
            for i in 0 ..< n {
                var step = (0.0, 0.0)
                for axis in 0 ..< 2 {
                    let t = 2 * i + axis
                    let g = exaggeration * attract[t] - repel[t] * inverseZ
                    gains[t] = (update[t] * g < 0 || (update[t] == 0) != (g == 0)) ? gains[t] + 0.2 : gains[t] * 0.8 + 0.01
                    update[t] = c.momentum * update[t] - rate * gains[t] * g
                    if axis == 0 { step.0 = update[t] } else { step.1 = update[t] }
                }
                // Steps longer than maxStepNorm are shortened to it.
                let length = (step.0 * step.0 + step.1 * step.1).squareRoot()
                if length > c.maxStepNorm {
                    update[2 * i] *= c.maxStepNorm / length
                    update[2 * i + 1] *= c.maxStepNorm / length
                }
                y[2 * i] += update[2 * i]
                y[2 * i + 1] += update[2 * i + 1]
                mean.0 += y[2 * i]
                mean.1 += y[2 * i + 1]
            }
            for i in 0 ..< n { y[2 * i] -= mean.0 / Double(n); y[2 * i + 1] -= mean.1 / Double(n) }
            progress("optimisation", iteration + 1, c.iterations)
        }
        lap("optimisation")
        // KL(P || Q) at the final layout: sum p log p - sum p log w + log Z (P sums to 1), with Z
        // summed exactly up to `exactKLLimit` points (O(n^2), a second at 20,000), else interpolated.
        z = gradient == .exact || n <= c.exactKLLimit ? TSNEGradient.exactRepulsion(y, count: n, into: &repel)
                                                     : TSNEGradient.interpolatedRepulsion(y, count: n, into: &repel, nodesPerBox: c.interpolationNodes)
        var kl = 0.0
        for i in 0 ..< n {
            for e in p.rowStart[i] ..< p.rowStart[i + 1] where p.values[e] > 0 {
                let j = Int(p.columns[e])
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                kl += p.values[e] * (log(p.values[e]) + log(1 + dx * dx + dy * dy))
            }
        }
        kl += log(z)
        return Result(embedding: y.map(Float.init), klDivergence: kl, seconds: seconds, gradient: gradient)
    }
}
