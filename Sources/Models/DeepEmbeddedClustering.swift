import Backend
import Dataset
import Foundation

/// Self-training deep clustering of an autoencoder's codes: DEC (Xie, Girshick and Farhadi 2016,
/// "Unsupervised Deep Embedding for Clustering Analysis") and IDEC (Guo, Gao, Liu and Yin 2017,
/// "Improved Deep Embedded Clustering with Local Structure Preservation"), as their reference Keras
/// implementations (XifengGuo/DEC-keras, XifengGuo/IDEC) run them.
///
/// A clustering layer holds `k` centroids `mu_j` in code space (initialised by the caller, usually by
/// K-means on the pretrained codes). Codes `z_i` get Student's t soft assignments
/// `q_ij ∝ (1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2)`; every `updateInterval` batches the target
/// `p_ij = (q_ij^2 / f_j) / sum_k (q_ik^2 / f_k)` with `f_j = sum_i q_ij` is recomputed from all
/// images, and training stops when fewer than `tolerance` of the labels `argmax_j q_ij` changed since
/// the previous target. Between updates, each batch takes one optimizer step on
/// - DEC: `KL(p || q)` (batch mean), encoder and centroids (SGD lr 0.01, momentum 0.9);
/// - IDEC: `MSE(x, decoder(z)) + gamma KL(p || q)`, the whole autoencoder and the centroids
///   (Adam lr 0.001, gamma 0.1), so the decoder keeps the codes faithful to the images.
/// The loss and its gradients are the backend's `studentTClustering`; the network is fine-tuned in
/// place. Deterministic for a seed on a backend: batches are a seeded shuffle per pass over the data.
public enum DeepEmbeddedClustering {
    public enum Variant: String, CaseIterable, Sendable {
        case dec, idec

        /// The reference implementations' optimizer and learning rate.
        public var defaultOptimizer: (optimizer: TrainingSettings.Optimizer, learningRate: Float) {
            self == .dec ? (.sgd, 0.01) : (.adam, 0.001)
        }
    }

    public struct Configuration: Sendable {
        public var variant = Variant.idec
        /// Degrees of freedom of Student's t kernel (DEC: 1).
        public var alpha: Float = 1
        /// IDEC's weight of the clustering loss against the reconstruction loss.
        public var gamma: Float = 0.1
        public var batchSize = 256
        /// Batches between target updates (DEC and IDEC: 140).
        public var updateInterval = 140
        /// Stop when fewer than this fraction of labels changed between two targets (0.1 %).
        public var tolerance = 0.001
        /// Batches at most (DEC-keras: 20,000).
        public var maxIterations = 20_000
        /// nil: the variant's default (`Variant.defaultOptimizer`); SGD uses momentum 0.9.
        public var optimizer: TrainingSettings.Optimizer?
        /// nil: 0.01 for SGD, 0.001 for Adam.
        public var learningRate: Float?
        public var seed: UInt64 = 0
        public init() {}
    }

    /// One target update: the labels changed since the previous one and the losses of the last batch.
    public struct Update: Sendable, Codable {
        public var iteration: Int
        public var changedFraction: Double?
        public var clusteringLoss: Double?
        public var reconstructionLoss: Double?
    }

    public struct Result: Sendable {
        /// `argmax_j q_ij` for every image at the last target update.
        public var labels: [Int32]
        /// `[k, dims]` after fine-tuning.
        public var centroids: [Float]
        /// Batches trained.
        public var iterations: Int
        /// True when the label change fell below the tolerance before `maxIterations`.
        public var converged: Bool
        public var updates: [Update]
    }

    /// `(batches done, maxIterations, the latest target update)`, after every batch and every update.
    public typealias Progress = (Int, Int, Update) -> Void

    /// Fine-tunes `network` (an autoencoder) on `images [count, 784]` from `initialCentroids [k, dims]`.
    public static func fit<B: ComputeBackend>(network: Network<B>, images: [Float], count: Int, initialCentroids: [Float],
                                              configuration c: Configuration, progress: Progress = { _, _, _ in }) throws -> Result {
        precondition(network.architecture.isAutoencoder, "DeepEmbeddedClustering: \(network.architecture) is not an autoencoder")
        precondition(images.count == count * network.inputSize, "DeepEmbeddedClustering: \(images.count) values for \(count) images")
        let dims = network.featureSize, k = initialCentroids.count / max(1, dims)
        guard k >= 1, initialCentroids.count == k * dims else {
            throw TrainingError(description: "DEC: \(initialCentroids.count) centroid values do not make centroids of \(dims) dimensions")
        }
        guard count >= k else { throw TrainingError(description: "DEC: \(count) images cannot make \(k) clusters") }
        guard c.alpha > 0, c.gamma >= 0, c.batchSize >= 1, c.updateInterval >= 1, c.tolerance >= 0, c.maxIterations >= 0 else {
            throw TrainingError(description: "DEC: alpha must be positive, gamma and tolerance not negative, batch and update interval at least 1")
        }
        let backend = network.backend
        let session = try Session(network: network, images: images, count: count, k: k, configuration: c)
        let centroids = try Parameter(backend: backend, name: "clustering.centroids", shape: [k, dims], values: initialCentroids)
        let chosenOptimizer = c.optimizer ?? c.variant.defaultOptimizer.optimizer
        let learningRate = c.learningRate ?? (chosenOptimizer == .sgd ? 0.01 : 0.001)
        let trained = c.variant == .dec ? network.parameters(of: 0 ... network.featureLayer) : network.parameters
        // A fresh optimizer, as the reference implementations compile one for fine-tuning: no moments
        // left over from pretraining in this process.
        for p in trained { (p.firstMoment, p.secondMoment) = (nil, nil) }
        var labels: [Int32] = [], target: [Float] = [], updates: [Update] = []
        var order: [Int] = [], position = 0, pass = 0, iteration = 0, converged = false
        var lastLosses: (Double, Double?) = (.nan, nil)
        while true {
            if iteration % c.updateInterval == 0 || iteration == c.maxIterations {
                let q = try session.assignments(centroids: centroids.value)
                let newLabels = argmaxRows(q, rows: count, cols: k)
                let changed = labels.isEmpty ? nil : Double(zip(labels, newLabels).filter { $0 != $1 }.count) / Double(count)
                labels = newLabels
                let update = Update(iteration: iteration, changedFraction: changed, clusteringLoss: iteration == 0 ? nil : lastLosses.0,
                                    reconstructionLoss: lastLosses.1)
                updates.append(update)
                progress(iteration, c.maxIterations, update)
                if let changed, changed < c.tolerance { converged = true; break }
                if iteration == c.maxIterations { break }
                target = targetDistribution(q, rows: count, clusters: k)
            }
            if position == order.count {
                order = Array(0 ..< count)
                var rng = SplitMix64(seed: c.seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(pass + 1)))
                rng.shuffle(&order)
                position = 0
                pass += 1
            }
            let batch = Array(order[position ..< min(count, position + c.batchSize)])
            position += batch.count
            lastLosses = try session.step(batch, target: target, centroids: centroids, gamma: c.gamma, decOnly: c.variant == .dec)
            guard lastLosses.0.isFinite, lastLosses.1?.isFinite ?? true else {
                throw TrainingError(description: "DEC: the loss became \(lastLosses.0) at batch \(iteration + 1); lower the learning rate")
            }
            iteration += 1
            try chosenOptimizer.update(trained + [centroids], backend: backend, learningRate: learningRate, momentum: 0.9, step: iteration)
            if iteration % c.updateInterval != 0, let latest = updates.last { progress(iteration, c.maxIterations, latest) }
        }
        return Result(labels: labels, centroids: try backend.floats(centroids.value), iterations: iteration, converged: converged, updates: updates)
    }

    /// DEC's auxiliary target (eq. 3): `p_ij = (q_ij^2 / f_j) / sum_k (q_ik^2 / f_k)`, `f_j = sum_i q_ij`,
    /// summed in Double. `q` and the result are `[rows, clusters]`.
    public static func targetDistribution(_ q: [Float], rows: Int, clusters: Int) -> [Float] {
        precondition(q.count == rows * clusters, "targetDistribution: \(q.count) values for \(rows) x \(clusters)")
        var frequency = [Double](repeating: 0, count: clusters)
        for i in 0 ..< rows { for j in 0 ..< clusters { frequency[j] += Double(q[i * clusters + j]) } }
        var p = [Float](repeating: 0, count: q.count), row = [Double](repeating: 0, count: clusters)
        for i in 0 ..< rows {
            var total = 0.0
            for j in 0 ..< clusters {
                let v = Double(q[i * clusters + j])
                row[j] = frequency[j] > 0 ? v * v / frequency[j] : 0
                total += row[j]
            }
            for j in 0 ..< clusters { p[i * clusters + j] = Float(total > 0 ? row[j] / total : 1 / Double(clusters)) }
        }
        return p
    }

    /// Index of each row's largest value (the first on ties).
    static func argmaxRows(_ values: [Float], rows: Int, cols: Int) -> [Int32] {
        (0 ..< rows).map { i in
            var best = 0
            for j in 1 ..< cols where values[i * cols + j] > values[i * cols + best] { best = j }
            return Int32(best)
        }
    }

    /// The device buffers of one fine-tuning run and its two kinds of pass.
    private final class Session<B: ComputeBackend> {
        let network: Network<B>, backend: B, images: [Float], count: Int, k: Int, dims: Int
        let input: B.Buffer, targetRows: B.Buffer, assignmentRows: B.Buffer, codesGradient: B.Buffer
        let outputGradient: B.Buffer, clusteringLoss: B.Buffer, reconstructionLoss: B.Buffer
        let alpha: Float

        init(network: Network<B>, images: [Float], count: Int, k: Int, configuration c: Configuration) throws {
            (self.network, backend, self.images, self.count, self.k, dims, alpha) = (network, network.backend, images, count, k, network.featureSize, c.alpha)
            let rows = min(c.batchSize, count)
            input = try backend.makeBuffer(count: rows * network.inputSize)
            targetRows = try backend.makeBuffer(count: rows * k)
            assignmentRows = try backend.makeBuffer(count: rows * k)
            codesGradient = try backend.makeBuffer(count: rows * dims)
            outputGradient = try backend.makeBuffer(count: rows * network.outputSize)
            clusteringLoss = try backend.makeBuffer(count: 1)
            reconstructionLoss = try backend.makeBuffer(count: 1)
        }

        /// `q [count, k]` for every image: codes by batches of the encoder, then one pass of the op.
        func assignments(centroids: B.Buffer) throws -> [Float] {
            let codes = try network.infer(images, count: count, through: network.featureLayer)
            let q = try backend.makeBuffer(count: count * k)
            try backend.studentTClustering(codes: try backend.makeBuffer(codes), centroids: centroids, rows: count, dims: dims, clusters: k,
                                           alpha: alpha, assignments: q, target: nil, loss: nil, codesGradient: nil, centroidsGradient: nil)
            return try backend.floats(q)
        }

        /// Forward and backward of one batch; leaves the gradients in the parameters and returns
        /// `(KL, MSE)` (MSE nil for DEC).
        func step(_ batch: [Int], target: [Float], centroids: Parameter<B>, gamma: Float, decOnly: Bool) throws -> (Double, Double?) {
            let n = batch.count, p = network.inputSize, f = network.featureLayer
            var pixels = [Float](repeating: 0, count: n * p), rows = [Float](repeating: 0, count: n * k)
            for (r, i) in batch.enumerated() {
                for c in 0 ..< p { pixels[r * p + c] = images[i * p + c] }
                for j in 0 ..< k { rows[r * k + j] = target[i * k + j] }
            }
            try pixels.withUnsafeBufferPointer { try backend.upload($0, to: input, offset: 0) }
            try rows.withUnsafeBufferPointer { try backend.upload($0, to: targetRows, offset: 0) }
            let codes = try network.forward(input, batch: n, training: true, layers: 0 ... f)
            try backend.studentTClustering(codes: codes, centroids: centroids.value, rows: n, dims: dims, clusters: k, alpha: alpha,
                                           assignments: assignmentRows, target: targetRows, loss: clusteringLoss,
                                           codesGradient: codesGradient, centroidsGradient: centroids.gradient)
            if decOnly {
                try network.backward(codesGradient, batch: n, layers: 0 ... f)
                return (Double(try backend.floats(clusteringLoss)[0]), nil)
            }
            let output = try network.forward(codes, batch: n, training: true, layers: (f + 1) ... (network.layers.count - 1))
            try backend.meanSquaredError(prediction: output, target: input, count: n * p, gradient: outputGradient, loss: reconstructionLoss)
            guard let codeGradient = try network.backward(outputGradient, batch: n, layers: (f + 1) ... (network.layers.count - 1))
            else { preconditionFailure("the decoder gave no gradient for the codes") }
            try backend.axpy(alpha: gamma, x: codesGradient, y: codeGradient, count: n * dims)
            try backend.scale(centroids.gradient, by: gamma, into: centroids.gradient, count: centroids.count)
            try network.backward(codeGradient, batch: n, layers: 0 ... f)
            return (Double(try backend.floats(clusteringLoss)[0]), Double(try backend.floats(reconstructionLoss)[0]))
        }
    }
}
