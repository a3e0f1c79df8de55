import Backend
import Dataset
import Foundation

/// SCAN's clustering step (Van Gansbeke, Vandenhende, Georgoulis, Proesmans and Van Gool 2020, "SCAN:
/// Learning to Classify Images without Labels", section 2.2) on fixed features, as the reference
/// implementation's head-only configuration runs it (wvangansbeke/Unsupervised-Classification,
/// `update_cluster_head_only: True`, several heads, the lowest-loss head kept).
///
/// Every point `i` has `K` mined neighbours `N_i` (found by the caller: SCAN mines them in the
/// pretext model's normalised output). Each of `heads` linear heads maps a feature row `x` to
/// `p(x) = softmax(W x + b)` over `clusters`, and is trained on batches of anchors, each paired with
/// one neighbour drawn uniformly from its `N_i`, to minimise
///
///     L = -(1/B) sum_i log <p(x_i), p(x_n(i))>  -  entropyWeight * H(mean_i p(x_i)),
///     H(m) = -sum_j m_j log m_j  (m clamped at 1e-8),
///
/// gradients through both the anchor and the neighbour, by Adam with PyTorch's L2 `weight_decay`
/// (SCAN's CIFAR / MNIST settings: lr 1e-4, weight decay 1e-4, batch 128, 50 epochs, entropy weight
/// 5). The heads' sum of losses is minimised together, as the reference does. Afterwards each head's
/// loss over every point and all its neighbours, `mean -log <p(x_i), p(x_j)> - H(mean p)` (the
/// reference's `scan_evaluate`), picks the head whose argmax labels are returned: no label is read.
/// Deterministic for a seed (the initialisation, the epochs' shuffles and neighbour draws).
public enum SemanticClustering {
    public struct Configuration: Sendable {
        public var clusters = 10
        public var heads = 10
        public var entropyWeight: Float = 5
        public var batchSize = 128
        public var epochs = 50
        public var learningRate: Float = 1e-4
        public var weightDecay: Float = 1e-4
        public var seed: UInt64 = 0
        /// The views of anchors and neighbours the whole-network step trains on (`fitNetwork` only):
        /// SCAN's strong augmentation, as both reference settings (`augmentation_strategy: ours`).
        public var views = SCANViews.strong(StrongAugmentation())
        public init() {}

        /// SCAN's MNIST setting (configs/scan/scan_mnist.yml): one head, the whole network updated on
        /// strongly augmented anchors and neighbours, Adam lr 1e-4 weight decay 1e-4, batch 48, 5 epochs.
        /// (SCAN's CIFAR-10 setting, configs/scan/scan_cifar10.yml, differs only in batch 128 and 50
        /// epochs.)
        public static var wholeNetwork: Configuration {
            var c = Configuration()
            (c.heads, c.batchSize, c.epochs) = (1, 48, 5)
            return c
        }
    }

    /// Random views of images for the whole-network step.
    public enum SCANViews: Sendable, Equatable {
        /// SCAN's strong augmentation (flip, four RandAugment operations, Cutout).
        case strong(StrongAugmentation)
        /// SimCLR's views (crop, flip, jitter): what the encoder was pretrained on.
        case simclr(ContrastiveAugmentation)

        /// Writes a view of image `sources[r]` of `images [*, side, side]` into row `r` of `destination`.
        func views(of images: UnsafePointer<Float>, sources: [Int], side: Int, into destination: UnsafeMutablePointer<Float>,
                   rng: inout SplitMix64) {
            switch self {
            case .strong(let a): a.views(of: images, sources: sources, side: side, into: destination, rng: &rng)
            case .simclr(let a): a.views(of: images, sources: sources, width: side, height: side, into: destination, rng: &rng)
            }
        }
    }

    public struct Result: Sendable {
        /// The chosen head's `argmax_j p_j(x_i)` for every point.
        public var labels: [Int32]
        /// Index of the chosen head.
        public var head: Int
        /// Every head's selection loss (consistency minus entropy), the chosen one the lowest.
        public var headLosses: [Double]
        /// Mean training loss (all heads summed) of each epoch.
        public var epochLosses: [Double]
        /// The chosen head: weight `[clusters, featureSize]` and bias `[clusters]` (self-labelling
        /// starts from them).
        public var headWeight: [Float], headBias: [Float]
    }

    /// `(epochs done, epochs)`.
    public typealias Progress = (Int, Int) -> Void

    /// Trains the heads on `features [rows, dim]` with `neighbours [rows, K]` (indices of other rows).
    public static func fit<B: ComputeBackend>(features: [Float], rows n: Int, dim d: Int, neighbours: [Int32], configuration c: Configuration,
                                              backend: B, progress: Progress = { _, _ in }) throws -> Result {
        precondition(features.count == n * d, "SemanticClustering: \(features.count) values for \(n) x \(d)")
        let kNeighbours = neighbours.count / max(1, n)
        try check(rows: n, neighbours: neighbours, perRow: kNeighbours, configuration: c)
        let heads = try makeHeads(inputs: d, configuration: c, backend: backend)
        let batch = min(c.batchSize, n)
        let rowsBuffer = try backend.makeBuffer(count: 2 * batch * d)
        var rows = [Float](repeating: 0, count: 2 * batch * d)
        var epochLosses: [Double] = [], step = 0
        for epoch in 0 ..< c.epochs {
            var total = 0.0
            try forEachBatch(rows: n, neighbours: neighbours, perRow: kNeighbours, configuration: c, epoch: epoch) { anchors, partners in
                let m = anchors.count
                for r in 0 ..< m {
                    for col in 0 ..< d {
                        rows[r * d + col] = features[anchors[r] * d + col]
                        rows[(m + r) * d + col] = features[partners[r] * d + col]
                    }
                }
                try rows.withUnsafeBufferPointer { try backend.upload(UnsafeBufferPointer(rebasing: $0[0 ..< 2 * m * d]), to: rowsBuffer, offset: 0) }
                total += try trainHeads(heads, on: rowsBuffer, pairs: m, configuration: c, backend: backend).loss * Double(m)
                step += 1
                try adam(heads.parameters, configuration: c, backend: backend, step: step)
            }
            guard total.isFinite else { throw TrainingError(description: "SCAN: the loss became \(total) in epoch \(epoch + 1)") }
            epochLosses.append(total / Double(n))
            progress(epoch + 1, c.epochs)
        }
        return try choose(features: features, rows: n, dim: d, heads: heads, neighbours: neighbours, perRow: kNeighbours, configuration: c,
                          epochLosses: epochLosses, backend: backend)
    }

    /// SCAN's full step: the encoder `layers 0 ... featureLayer` of `network` and new heads on its
    /// output, trained together on random views of each anchor image and of one of
    /// its neighbours (`configuration.views`); the network is updated in place. Then the heads are
    /// chosen and applied as in `fit`, on the un-augmented images' features.
    public static func fitNetwork<B: ComputeBackend>(_ network: Network<B>, images: [Float], count n: Int, neighbours: [Int32],
                                                     configuration c: Configuration, progress: Progress = { _, _ in }) throws -> Result {
        let backend = network.backend, p = network.inputSize, d = network.featureSize, f = network.featureLayer
        precondition(images.count == n * p, "SemanticClustering: \(images.count) pixels for \(n) images")
        let kNeighbours = neighbours.count / max(1, n)
        try check(rows: n, neighbours: neighbours, perRow: kNeighbours, configuration: c)
        let heads = try makeHeads(inputs: d, configuration: c, backend: backend)
        let trained = network.parameters(of: 0 ... f) + heads.parameters
        for parameter in trained { (parameter.firstMoment, parameter.secondMoment) = (nil, nil) }
        let batch = min(c.batchSize, n)
        let input = try backend.makeBuffer(count: 2 * batch * p)
        var views = [Float](repeating: 0, count: 2 * batch * p)
        let side = Int(Double(p).squareRoot())
        var epochLosses: [Double] = [], step = 0
        for epoch in 0 ..< c.epochs {
            var total = 0.0
            var batchIndex = 0
            try forEachBatch(rows: n, neighbours: neighbours, perRow: kNeighbours, configuration: c, epoch: epoch) { anchors, partners in
                let m = anchors.count
                var rng = SplitMix64(seed: c.seed ^ (0x6A09_E667_F3BC_C909 &* UInt64(epoch + 1)) ^ (0xBB67_AE85_84CA_A73B &* UInt64(batchIndex + 1)))
                batchIndex += 1
                images.withUnsafeBufferPointer { src in
                    views.withUnsafeMutableBufferPointer { dst in
                        c.views.views(of: src.baseAddress!, sources: anchors + partners, side: side, into: dst.baseAddress!, rng: &rng)
                    }
                }
                try views.withUnsafeBufferPointer { try backend.upload(UnsafeBufferPointer(rebasing: $0[0 ..< 2 * m * p]), to: input, offset: 0) }
                let codes = try network.forward(input, batch: 2 * m, training: true, layers: 0 ... f)
                let (loss, inputGradient) = try trainHeads(heads, on: codes, pairs: m, configuration: c, backend: backend, inputGradient: true)
                total += loss * Double(m)
                guard let dCodes = inputGradient else { preconditionFailure("SCAN heads gave no input gradient") }
                try network.backward(dCodes, batch: 2 * m, layers: 0 ... f)
                step += 1
                try adam(trained, configuration: c, backend: backend, step: step)
            }
            guard total.isFinite else { throw TrainingError(description: "SCAN: the loss became \(total) in epoch \(epoch + 1)") }
            epochLosses.append(total / Double(n))
            progress(epoch + 1, c.epochs)
        }
        let features = try network.infer(images, count: n, through: f)
        return try choose(features: features, rows: n, dim: d, heads: heads, neighbours: neighbours, perRow: kNeighbours, configuration: c,
                          epochLosses: epochLosses, backend: backend)
    }

    /// The heads as one linear layer `[heads * clusters, inputs]` (PyTorch's default initialisation
    /// from the seed).
    static func makeHeads<B: ComputeBackend>(inputs d: Int, configuration c: Configuration, backend: B) throws -> Linear<B> {
        var rng = SplitMix64(seed: c.seed)
        let outputs = c.heads * c.clusters
        return try Linear(backend: backend, name: "heads", input: d, output: outputs,
                          initial: Initialization.pytorchDefault(shape: [outputs, d], biasCount: outputs, generator: &rng))
    }

    static func check(rows n: Int, neighbours: [Int32], perRow: Int, configuration c: Configuration) throws {
        guard n >= c.clusters, perRow >= 1, neighbours.count == n * perRow, neighbours.allSatisfy({ (0 ..< Int32(n)).contains($0) }) else {
            throw TrainingError(description: "SCAN: needs at least \(c.clusters) points and K >= 1 valid neighbours for each")
        }
        guard c.clusters >= 2, c.heads >= 1, c.batchSize >= 1, c.epochs >= 0, c.entropyWeight >= 0, c.learningRate > 0 else {
            throw TrainingError(description: "SCAN: clusters >= 2, heads >= 1, batch >= 1, epochs and entropy weight not negative, lr positive")
        }
    }

    /// One epoch's batches: a seeded shuffle of the anchors, each paired with one of its neighbours
    /// drawn uniformly (as the reference's `NeighborsDataset`).
    static func forEachBatch(rows n: Int, neighbours: [Int32], perRow: Int, configuration c: Configuration, epoch: Int,
                             _ body: ([Int], [Int]) throws -> Void) rethrows {
        var order = Array(0 ..< n)
        var rng = SplitMix64(seed: c.seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1)))
        rng.shuffle(&order)
        for start in stride(from: 0, to: n, by: min(c.batchSize, n)) {
            let anchors = Array(order[start ..< min(n, start + c.batchSize)])
            let partners = anchors.map { Int(neighbours[$0 * perRow + rng.next(below: perRow)]) }
            try body(anchors, partners)
        }
    }

    /// Forward of the heads on `x [2m, inputs]` (anchors then neighbours), SCAN's loss and the
    /// heads' gradients; returns the loss and, with `inputGradient`, the gradient with respect to `x`.
    static func trainHeads<B: ComputeBackend>(_ heads: Linear<B>, on x: B.Buffer, pairs m: Int, configuration c: Configuration, backend: B,
                                              inputGradient: Bool = false) throws -> (loss: Double, inputGradient: B.Buffer?) {
        let logitsBuffer = try heads.forward(x, batch: 2 * m, training: true)
        var logits = try backend.floats(logitsBuffer, offset: 0, count: 2 * m * heads.outputSize)
        let loss = batchLossAndGradient(&logits, pairs: m, heads: c.heads, clusters: c.clusters, entropyWeight: Double(c.entropyWeight))
        try logits.withUnsafeBufferPointer { try backend.upload($0, to: logitsBuffer, offset: 0) }
        return (loss, try heads.backward(logitsBuffer, batch: 2 * m, inputGradient: inputGradient))
    }

    /// Adam with PyTorch's L2 weight decay on `parameters` (fresh moments on the first step).
    static func adam<B: ComputeBackend>(_ parameters: [Parameter<B>], configuration c: Configuration, backend: B, step: Int) throws {
        let settings = AdamSettings(learningRate: c.learningRate, weightDecay: c.weightDecay)
        try Parameter.adamStep(of: parameters, settings: settings, step: step, backend: backend)
    }

    /// Every head's selection loss over all points and neighbours; the lowest one's argmax labels.
    static func choose<B: ComputeBackend>(features: [Float], rows n: Int, dim d: Int, heads: Linear<B>, neighbours: [Int32], perRow: Int,
                                          configuration c: Configuration, epochLosses: [Double], backend: B) throws -> Result {
        let k = c.clusters
        let probabilities = try headProbabilities(features: features, rows: n, dim: d, weight: heads.weight, bias: heads.bias,
                                                  outputs: c.heads * k, clusters: k, backend: backend)
        let losses = (0 ..< c.heads).map { selectionLoss(probabilities, rows: n, head: $0, heads: c.heads, clusters: k,
                                                          neighbours: neighbours, perRow: perRow) }
        let best = losses.indices.min { losses[$0] < losses[$1] || (losses[$0] == losses[$1] && $0 < $1) }!
        let labels = (0 ..< n).map { i -> Int32 in
            let base = (i * c.heads + best) * k
            var arg = 0
            for j in 1 ..< k where probabilities[base + j] > probabilities[base + arg] { arg = j }
            return Int32(arg)
        }
        let weight = try backend.floats(heads.weight.value), bias = try backend.floats(heads.bias.value)
        return Result(labels: labels, head: best, headLosses: losses, epochLosses: epochLosses,
                      headWeight: Array(weight[(best * k * d) ..< ((best + 1) * k * d)]), headBias: Array(bias[(best * k) ..< ((best + 1) * k)]))
    }

    /// Replaces `logits [2m, heads * clusters]` (anchors, then their neighbours) by `dL/dlogits`
    /// and returns `L` summed over the heads, in Double. Per head, with `P, Q` the anchors' and
    /// neighbours' softmax rows and `s_i = P_i . Q_i`:
    /// `dL/dP_i = -Q_i / (m s_i) + w (log m_j + 1) / m`, `dL/dQ_i = -P_i / (m s_i)`, then through each
    /// softmax `dA_i = P_i (dP_i - P_i . dP_i)`.
    static func batchLossAndGradient(_ logits: inout [Float], pairs m: Int, heads: Int, clusters k: Int, entropyWeight w: Double) -> Double {
        let width = heads * k
        var total = 0.0
        var p = [Double](repeating: 0, count: m * k), q = [Double](repeating: 0, count: m * k), mean = [Double](repeating: 0, count: k)
        func softmax(_ row: Int, _ head: Int, into out: inout [Double], at: Int) {
            let base = row * width + head * k
            var largest = -Double.infinity
            for j in 0 ..< k { largest = max(largest, Double(logits[base + j])) }
            var sum = 0.0
            for j in 0 ..< k { out[at + j] = exp(Double(logits[base + j]) - largest); sum += out[at + j] }
            for j in 0 ..< k { out[at + j] /= sum }
        }
        for h in 0 ..< heads {
            for j in 0 ..< k { mean[j] = 0 }
            for i in 0 ..< m {
                softmax(i, h, into: &p, at: i * k)
                softmax(m + i, h, into: &q, at: i * k)
                for j in 0 ..< k { mean[j] += p[i * k + j] / Double(m) }
            }
            var entropy = 0.0, consistency = 0.0
            var entropyGradient = [Double](repeating: 0, count: k)
            for j in 0 ..< k {
                let mj = max(mean[j], 1e-8)
                entropy -= mj * log(mj)
                // d(-w H)/dP_ij = w (log m_j + 1) / m; zero where the clamp holds m_j.
                entropyGradient[j] = mean[j] > 1e-8 ? w * (log(mj) + 1) / Double(m) : 0
            }
            for i in 0 ..< m {
                var s = 0.0
                for j in 0 ..< k { s += p[i * k + j] * q[i * k + j] }
                s = max(s, 1e-300)
                consistency -= log(s) / Double(m)
                var dp = [Double](repeating: 0, count: k), dq = [Double](repeating: 0, count: k)
                var pdp = 0.0, qdq = 0.0
                for j in 0 ..< k {
                    dp[j] = -q[i * k + j] / (Double(m) * s) + entropyGradient[j]
                    dq[j] = -p[i * k + j] / (Double(m) * s)
                    pdp += p[i * k + j] * dp[j]
                    qdq += q[i * k + j] * dq[j]
                }
                for j in 0 ..< k {
                    logits[i * width + h * k + j] = Float(p[i * k + j] * (dp[j] - pdp))
                    logits[(m + i) * width + h * k + j] = Float(q[i * k + j] * (dq[j] - qdq))
                }
            }
            total += consistency - w * entropy
        }
        return total
    }

    /// `[rows, heads, clusters]` softmax probabilities of every head, in row chunks on the backend.
    static func headProbabilities<B: ComputeBackend>(features: [Float], rows n: Int, dim d: Int, weight: Parameter<B>, bias: Parameter<B>,
                                                     outputs: Int, clusters k: Int, backend: B) throws -> [Float] {
        let chunk = min(n, 4096)
        let x = try backend.makeBuffer(count: chunk * d), y = try backend.makeBuffer(count: chunk * outputs)
        var out = [Float](repeating: 0, count: n * outputs)
        for start in stride(from: 0, to: n, by: chunk) {
            let m = min(chunk, n - start)
            try features.withUnsafeBufferPointer {
                try backend.upload(UnsafeBufferPointer(rebasing: $0[(start * d) ..< ((start + m) * d)]), to: x, offset: 0)
            }
            try backend.gemm(x, weight.value, into: y, m: m, n: outputs, k: d, transB: true)
            try backend.addBias(y, bias: bias.value, outer: m, channels: outputs, inner: 1)
            let logits = try backend.floats(y, offset: 0, count: m * outputs)
            for r in 0 ..< m {
                for base in stride(from: r * outputs, to: (r + 1) * outputs, by: k) {
                    var largest = -Float.infinity
                    for j in 0 ..< k { largest = max(largest, logits[base + j]) }
                    var sum = 0.0
                    for j in 0 ..< k { sum += exp(Double(logits[base + j] - largest)) }
                    for j in 0 ..< k { out[start * outputs + base + j] = Float(exp(Double(logits[base + j] - largest)) / sum) }
                }
            }
        }
        return out
    }

    /// SCAN's `scan_evaluate` for one head: the mean over every (point, neighbour) pair of
    /// `-log <p_i, p_j>`, minus the entropy of the mean prediction.
    static func selectionLoss(_ probabilities: [Float], rows n: Int, head: Int, heads: Int, clusters k: Int, neighbours: [Int32],
                              perRow: Int) -> Double {
        var consistency = 0.0, mean = [Double](repeating: 0, count: k)
        for i in 0 ..< n {
            let a = (i * heads + head) * k
            for j in 0 ..< k { mean[j] += Double(probabilities[a + j]) / Double(n) }
            for t in 0 ..< perRow {
                let b = (Int(neighbours[i * perRow + t]) * heads + head) * k
                var s = 0.0
                for j in 0 ..< k { s += Double(probabilities[a + j]) * Double(probabilities[b + j]) }
                consistency -= log(max(s, 1e-300))
            }
        }
        let entropy = mean.reduce(0.0) { $0 - max($1, 1e-8) * log(max($1, 1e-8)) }
        return consistency / Double(n * perRow) - entropy
    }
}
