import Backend
import Dataset
import Foundation

/// SCAN's self-labelling step (Van Gansbeke et al. 2020, "SCAN: Learning to Classify Images without
/// Labels", section 2.3; reference implementation wvangansbeke/Unsupervised-Classification,
/// `selflabel.py` and `ConfidenceBasedCE`): the encoder `layers 0 ... featureLayer` of `network` and a
/// clustering head `p(x) = softmax(W h(x) + b)` (SCAN's chosen head) are fine-tuned on their own
/// confident predictions.
///
/// For each batch of images (a seeded shuffle), the current model predicts every image un-augmented
/// (the reference's `standard` view, its validation transform); the images whose largest probability
/// exceeds `threshold` keep their argmax `y_i` as a target, and a strongly augmented view `v_i` of
/// each of them is trained on the class-balanced cross-entropy
///
///     L = sum_i w_{y_i} (-log p_{y_i}(v_i)) / sum_i w_{y_i},   w_c = n / n_c,
///
/// `n` the batch's confident images, `n_c` those with target `c` (PyTorch's weighted `cross_entropy`
/// with `apply_class_balancing`, so every present class weighs the same), by Adam with PyTorch's L2
/// weight decay. Defaults are the reference's CIFAR settings (threshold 0.99, class balancing, batch
/// 1000, Adam lr 1e-4 weight decay 1e-4, constant rate) except the epochs: 25 (the reference's
/// ImageNet length; its CIFAR 200 is eight times the 2-core budget, README "Deep clustering").
///
/// The strong view is SCAN's (`StrongAugmentation`: a flip, four RandAugment operations as PIL applies
/// them, Cutout).
///
/// The labels are the fine-tuned head's argmax on the un-augmented images. No label is read;
/// deterministic for a seed (shuffles and views drawn in row order, independent of the cores).
public enum SelfLabeling {
    public struct Configuration: Sendable {
        public var threshold: Float = 0.99
        public var classBalancing = true
        public var batchSize = 1000
        public var epochs = 25
        public var learningRate: Float = 1e-4
        public var weightDecay: Float = 1e-4
        /// The strongly augmented views trained on.
        public var augmentation = StrongAugmentation()
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Result: Sendable {
        /// `argmax_c p_c(x_i)` of the fine-tuned model for every image.
        public var labels: [Int32]
        /// Images predicted above the threshold before training, and during each epoch (each batch by the
        /// model as it then is).
        public var confidentBefore: Int
        public var confidentPerEpoch: [Int]
        /// Mean class-balanced cross-entropy of each epoch (over its confident images).
        public var epochLosses: [Double]
    }

    /// `(epochs done, epochs)`.
    public typealias Progress = (Int, Int) -> Void

    /// Fine-tunes `network`'s encoder (in place) with the head `weight [clusters, featureSize]`,
    /// `bias [clusters]` on `images [count, inputSize]`.
    public static func fit<B: ComputeBackend>(_ network: Network<B>, headWeight: [Float], headBias: [Float], images: [Float], count n: Int,
                                              configuration c: Configuration, progress: Progress = { _, _ in }) throws -> Result {
        let backend = network.backend, p = network.inputSize, d = network.featureSize, f = network.featureLayer
        let k = headBias.count
        precondition(images.count == n * p, "SelfLabeling: \(images.count) pixels for \(n) images")
        precondition(headWeight.count == k * d, "SelfLabeling: head of \(headWeight.count) weights for \(k) x \(d)")
        let side = Int(Double(p).squareRoot())
        guard k >= 2, n >= 1, c.batchSize >= 1, c.epochs >= 0, c.threshold >= 0, c.threshold < 1, c.learningRate > 0,
              (c.augmentation.cutout ?? 0) >= 0, c.augmentation.operations >= 0, side * side == p else {
            throw TrainingError(description: "self-labelling: 2 or more clusters, batch >= 1, epochs >= 0, threshold in [0, 1), lr > 0, "
                + "cutout and operations >= 0, square images")
        }
        let head = try Linear(backend: backend, name: "selflabel.head", input: d, output: k, initial: (headWeight, headBias))
        let trained = network.parameters(of: 0 ... f) + head.parameters
        for parameter in trained { (parameter.firstMoment, parameter.secondMoment) = (nil, nil) }
        let batch = min(c.batchSize, n)
        let input = try backend.makeBuffer(count: paddedRows(batch) * p)
        var rows = [Float](repeating: 0, count: paddedRows(batch) * p)
        let settings = AdamSettings(learningRate: c.learningRate, weightDecay: c.weightDecay)
        func predict(_ indices: [Int]) throws -> [Float] {
            images.withUnsafeBufferPointer { src in
                for (r, i) in indices.enumerated() { rows.replaceSubrange(r * p ..< (r + 1) * p, with: src[i * p ..< (i + 1) * p]) }
            }
            let m = indices.count
            try rows.withUnsafeBufferPointer { try backend.upload(UnsafeBufferPointer(rebasing: $0[0 ..< m * p]), to: input, offset: 0) }
            let h = try network.forward(input, batch: m, training: false, layers: 0 ... f)
            return try backend.floats(try head.forward(h, batch: m, training: false), offset: 0, count: m * k)
        }
        /// Each image's `(argmax, its probability)` under the current model, in batches.
        func predictAll() throws -> [(cluster: Int, probability: Float)] {
            var out: [(cluster: Int, probability: Float)] = []
            for start in stride(from: 0, to: n, by: batch) {
                let indices = Array(start ..< min(n, start + batch))
                let logits = try predict(indices)
                out += indices.indices.map { largestProbability(logits, row: $0, classes: k) }
            }
            return out
        }
        let confidentBefore = try predictAll().filter { $0.probability > c.threshold }.count
        var confidentPerEpoch: [Int] = [], epochLosses: [Double] = [], step = 0
        for epoch in 0 ..< c.epochs {
            var order = Array(0 ..< n)
            var rng = SplitMix64(seed: c.seed ^ (0x3C6E_F372_FE94_F82B &* UInt64(epoch + 1)))
            rng.shuffle(&order)
            var total = 0.0, confidentCount = 0
            for start in stride(from: 0, to: n, by: batch) {
                let indices = Array(order[start ..< min(n, start + batch)])
                let logits = try predict(indices)
                var targets: [(image: Int, cluster: Int)] = []
                for (r, i) in indices.enumerated() {
                    let (cluster, probability) = largestProbability(logits, row: r, classes: k)
                    if probability > c.threshold { targets.append((i, cluster)) }
                }
                confidentCount += targets.count
                guard !targets.isEmpty else { continue }
                let m = targets.count, padded = paddedRows(m)
                rows.withUnsafeMutableBufferPointer { dst in
                    images.withUnsafeBufferPointer { src in
                        c.augmentation.views(of: src.baseAddress!, sources: targets.map(\.image), side: side, into: dst.baseAddress!,
                                             rng: &rng)
                    }
                    // Rows past m repeat the first view; their gradient is zero, so they change nothing (the padding
                    // keeps the layers' per-batch-size buffers to a few sizes).
                    for r in m ..< padded { for j in 0 ..< p { dst[r * p + j] = dst[j] } }
                }
                try rows.withUnsafeBufferPointer {
                    try backend.upload(UnsafeBufferPointer(rebasing: $0[0 ..< padded * p]), to: input, offset: 0)
                }
                let h = try network.forward(input, batch: padded, training: true, layers: 0 ... f)
                let outputs = try head.forward(h, batch: padded, training: true)
                var gradient = try backend.floats(outputs, offset: 0, count: padded * k)
                let loss = balancedCrossEntropy(&gradient, targets: targets.map(\.cluster), classes: k, balanced: c.classBalancing)
                try gradient.withUnsafeBufferPointer { try backend.upload($0, to: outputs, offset: 0) }
                guard let dh = try head.backward(outputs, batch: padded, inputGradient: true) else {
                    preconditionFailure("self-labelling: the head gave no input gradient")
                }
                try network.backward(dh, batch: padded, layers: 0 ... f)
                step += 1
                try Parameter.adamStep(of: trained, settings: settings, step: step, backend: backend)
                total += loss * Double(m)
            }
            guard total.isFinite else { throw TrainingError(description: "self-labelling: the loss became \(total) in epoch \(epoch + 1)") }
            confidentPerEpoch.append(confidentCount)
            epochLosses.append(confidentCount > 0 ? total / Double(confidentCount) : 0)
            progress(epoch + 1, c.epochs)
        }
        let labels = try predictAll().map { Int32($0.cluster) }
        return Result(labels: labels, confidentBefore: confidentBefore, confidentPerEpoch: confidentPerEpoch, epochLosses: epochLosses)
    }

    /// Rows rounded up to a multiple of 128 (at most 127 padding rows).
    static func paddedRows(_ m: Int) -> Int { (m + 127) / 128 * 128 }

    /// The argmax of row `row` of `logits [*, classes]` (lowest index on ties) and its softmax probability.
    static func largestProbability(_ logits: [Float], row: Int, classes k: Int) -> (cluster: Int, probability: Float) {
        let base = row * k
        var arg = 0
        for j in 1 ..< k where logits[base + j] > logits[base + arg] { arg = j }
        var sum = 0.0
        for j in 0 ..< k { sum += exp(Double(logits[base + j] - logits[base + arg])) }
        return (arg, Float(1 / sum))
    }

    /// Replaces the first `targets.count` rows of `logits [rows, classes]` by the gradient of the
    /// (class-balanced) mean cross-entropy and the rest by 0; returns the loss, in Double. With
    /// `W = sum_i w_{y_i}`: `dL/dz_ij = w_{y_i} (softmax(z_i)_j - [j = y_i]) / W`.
    static func balancedCrossEntropy(_ logits: inout [Float], targets: [Int], classes k: Int, balanced: Bool) -> Double {
        let m = targets.count
        var counts = [Int](repeating: 0, count: k)
        for t in targets { counts[t] += 1 }
        let weights = (0 ..< k).map { balanced && counts[$0] > 0 ? Double(m) / Double(counts[$0]) : 1 }
        let totalWeight = targets.reduce(0.0) { $0 + weights[$1] }
        var loss = 0.0
        for (r, t) in targets.enumerated() {
            let base = r * k
            var largest = -Double.infinity
            for j in 0 ..< k { largest = max(largest, Double(logits[base + j])) }
            var sum = 0.0
            for j in 0 ..< k { sum += exp(Double(logits[base + j]) - largest) }
            let logSum = largest + log(sum), w = weights[t] / totalWeight
            loss += w * (logSum - Double(logits[base + t]))
            for j in 0 ..< k {
                let probability = exp(Double(logits[base + j]) - logSum)
                logits[base + j] = Float(w * (probability - (j == t ? 1 : 0)))
            }
        }
        for i in m * k ..< logits.count { logits[i] = 0 }
        return loss
    }
}
