import Backend
import Dataset
import Foundation

/// How `Trainer` optimises; defaults are the (Adam, lr 1e-3, batch 256).
public struct TrainingSettings: Sendable {
    public enum Optimizer: String, Sendable { case adam, sgd }
    public var batchSize = 256
    public var optimizer = Optimizer.adam
    public var learningRate: Float = 1e-3
    /// SGD momentum (ignored by Adam).
    public var momentum: Float = 0.9
    /// Shuffle each epoch's batches (seeded by `seed` and the epoch); off: file order.
    public var shuffle = true
    public var seed: UInt64 = 0
    /// Learning rate per epoch: constant, or cosine annealing from `learningRate` towards 0 over
    /// `epochs` (`lr * (1 + cos(pi * epoch / epochs)) / 2`).
    public var schedule = Schedule.constant
    /// Total epochs of the run (the cosine schedule's period).
    public var epochs = 10
    /// Random translation of training images by up to this many pixels in each direction (0: off),
    /// drawn per image from the seed, epoch and position, zero-filled.
    public var shiftPixels = 0
    /// Contrastive training: NT-Xent's temperature (SimCLR's 0.5 for small images) and the views.
    public var temperature: Float = 0.5
    public var views = ContrastiveAugmentation()
    /// Batches trained between reads of their losses (nil: the backend's `trainingBatchesPerRead`). Any
    /// value trains the same weights; it only sets how often the host waits for the device.
    public var batchesPerRead: Int?
    public enum Schedule: String, Sendable { case constant, cosine }
    public init() {}

    /// The learning rate for `epoch` (counted from 0).
    public func learningRate(epoch: Int) -> Float {
        switch schedule {
        case .constant: return learningRate
        case .cosine: return learningRate * Float((1 + cos(Double.pi * Double(epoch) / Double(max(1, epochs)))) / 2)
        }
    }
}

/// One batch's outcome, for progress display.
public struct BatchProgress: Sendable {
    public var epoch: Int, batch: Int, batches: Int, loss: Float, imagesPerSecond: Double
}

/// What one pass over a split measured.
public struct Evaluation: Sendable, Codable {
    /// Mean loss per image (MSE per pixel for autoencoders, cross-entropy for classifiers, NT-Xent
    /// per view for contrastive models).
    public var loss: Double
    /// Fraction classified correctly (classifiers only).
    public var accuracy: Double?
}

/// A training failure the user must see: the loss stopped being a number.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Trains a `Network` on images: mini-batches uploaded from the host, loss and gradient on the
/// backend, one optimizer step per batch. Only the batch losses come back to the host, a group of
/// batches at a time (`TrainingSettings.batchesPerRead`; contrastive models: the projections and
/// their gradient every batch, see `ComputeBackend.ntXent`). A contrastive
/// model's batch of `n` images is `2n` views: rows `i` and `i + n` are two random views of image `i`.
public final class Trainer<B: ComputeBackend> {
    public let network: Network<B>
    public let settings: TrainingSettings
    /// Optimizer steps taken so far (Adam's bias correction uses it).
    public private(set) var step = 0
    /// The learning rate of the epoch being trained.
    private var currentLearningRate: Float
    private let backend: B
    private let input: BatchBuffers<B>, labels: BatchBuffers<B>, outputGradient: BatchBuffers<B>
    /// The images and labels of a group of batches (`stage`, `queueBatches`), and the group's losses.
    private let stagedImages: BatchBuffers<B>, stagedLabels: BatchBuffers<B>, groupLosses: BatchBuffers<B>
    private let lossValue: B.Buffer
    /// The elastic-net penalty's sum, when the model has one.
    private let penaltyValue: B.Buffer

    public init(network: Network<B>, settings: TrainingSettings) throws {
        self.network = network
        self.settings = settings
        backend = network.backend
        input = BatchBuffers(backend: backend, perExample: network.inputSize)
        labels = BatchBuffers(backend: backend, perExample: 1)
        outputGradient = BatchBuffers(backend: backend, perExample: network.outputSize)
        stagedImages = BatchBuffers(backend: backend, perExample: network.inputSize)
        stagedLabels = BatchBuffers(backend: backend, perExample: 1)
        groupLosses = BatchBuffers(backend: backend, perExample: 1)
        lossValue = try backend.makeBuffer(count: 1)
        penaltyValue = try backend.makeBuffer(count: 1)
        currentLearningRate = settings.learningRate
    }

    /// The order of `indices` for `epoch`: shuffled with a seed derived from the run's seed and the
    /// epoch, or as given.
    public func order(_ indices: [Int], epoch: Int) -> [Int] {
        guard settings.shuffle else { return indices }
        var shuffled = indices
        var rng = SplitMix64(seed: settings.seed ^ (0xA24B_AED4_963E_E407 &* UInt64(epoch + 1)))
        rng.shuffle(&shuffled)
        return shuffled
    }

    /// One epoch over `indices` of `data`; returns the per-batch losses. Batches are queued
    /// `batchesPerRead` at a time (see `queueBatches`) and their losses read back together; `progress`
    /// hears of each batch then. Throws `TrainingError` on a non-finite loss, naming its batch; the
    /// steps queued with it have been applied, so the network must not be saved after that error.
    public func trainEpoch(_ data: LabeledImages, indices: [Int], epoch: Int,
                           progress: (BatchProgress) -> Void = { _ in }) throws -> [Float] {
        var ordered = order(indices, epoch: epoch)
        if contrastive {
            // NT-Xent needs negatives: a batch of one image has none (its loss is exactly 0 and its
            // gradient nothing), so a final batch of one is left out, as drop_last would.
            guard ordered.count >= 2 else {
                throw TrainingError(description: "contrastive training needs at least 2 images, got \(ordered.count)")
            }
            if ordered.count % settings.batchSize == 1 { ordered.removeLast() }
        }
        currentLearningRate = settings.learningRate(epoch: epoch)
        let batches = (ordered.count + settings.batchSize - 1) / settings.batchSize
        // Contrastive batches read their projections back anyway (NT-Xent runs on the host).
        let perRead = contrastive ? 1 : max(1, settings.batchesPerRead ?? backend.trainingBatchesPerRead)
        var losses: [Float] = []
        let start = Date()
        let groups = stride(from: 0, to: batches, by: perRead).map { $0 ..< min(batches, $0 + perRead) }
        var next = try contrastive ? nil : groups.first.map { try stage(data, ordered: ordered, group: $0, epoch: epoch) }
        for (g, group) in groups.enumerated() {
            let groupLosses: [Float]
            if let current = next {
                let queued = try queueBatches(current)
                // The next group's images are gathered while the device works through this one (their
                // upload then waits for it), so the device idles only while they cross to it.
                next = g + 1 < groups.count ? try stage(data, ordered: ordered, group: groups[g + 1], epoch: epoch) : nil
                let read = try backend.floats(queued.losses, offset: 0, count: group.count)
                groupLosses = zip(read, queued.penalties).map { $0 + $1 }
            } else {
                let b = group.lowerBound
                groupLosses = [try trainContrastiveBatch(data, indices: rows(of: b, in: ordered), at: (epoch, b))]
            }
            for (b, loss) in zip(group, groupLosses) {
                guard loss.isFinite else {
                    throw TrainingError(description: "loss became \(loss) in epoch \(epoch), batch \(b + 1) of \(batches); "
                        + "lower --lr or check the data (the last checkpoint is kept)")
                }
                losses.append(loss)
                let seen = Double((b + 1) * settings.batchSize)
                progress(BatchProgress(epoch: epoch, batch: b + 1, batches: batches, loss: loss,
                                       imagesPerSecond: seen / max(1e-9, Date().timeIntervalSince(start))))
            }
        }
        return losses
    }

    /// The entries of `ordered` in batch `batch`.
    private func rows(of batch: Int, in ordered: [Int]) -> [Int] {
        Array(ordered[(batch * settings.batchSize) ..< min(ordered.count, (batch + 1) * settings.batchSize)])
    }

    /// A group of batches whose images (and labels) are on the device: `batchRows` holds each batch's
    /// indices, in order, and the images' rows follow them. A group of one batch is uploaded straight
    /// into the batch buffers (`direct`), as the CPU backend's groups always are.
    private struct StagedGroup {
        var images: B.Buffer, labels: B.Buffer, batchRows: [[Int]], direct: Bool
    }

    /// Gathers (and shifts, with `shiftPixels`) the images of the batches of `group` (batch numbers
    /// within `ordered`) on the host and uploads them, with their labels for classifiers, in one transfer each.
    /// The upload waits for the ops queued before it (the queue is in order), so it may overwrite
    /// buffers the previous group still reads.
    private func stage(_ data: LabeledImages, ordered: [Int], group: Range<Int>, epoch: Int) throws -> StagedGroup {
        let batchRows = group.map { rows(of: $0, in: ordered) }
        let total = batchRows.reduce(0) { $0 + $1.count }, direct = group.count == 1
        let images = { (b: Int, indices: [Int]) in
            self.hostImages(data, indices: indices, augmentation: self.settings.shiftPixels > 0 ? (epoch, b) : nil)
        }
        var host = direct ? images(group.lowerBound, batchRows[0]) : []
        if !direct {
            host.reserveCapacity(total * data.pixelsPerImage)
            for (b, indices) in zip(group, batchRows) { host += images(b, indices) }
        }
        let imageRows = try direct ? input.buffer(batch: total) : stagedImages.buffer(batch: total)
        let labelRows = try direct ? labels.buffer(batch: total) : stagedLabels.buffer(batch: total)
        try host.withUnsafeBufferPointer { try backend.upload($0, to: imageRows, offset: 0) }
        if network.architecture.task == .classifier {
            let y = batchRows.joined().map { data.labels[$0] }
            try y.withUnsafeBufferPointer { try backend.upload($0, to: labelRows, offset: 0) }
        }
        return StagedGroup(images: imageRows, labels: labelRows, batchRows: batchRows, direct: direct)
    }

    /// Queues forward, loss, backward and an optimizer step for each batch of a staged group without
    /// waiting; the caller reads the group's losses back in one transfer (plus the penalties, read
    /// per batch where the model has one). The host so synchronises once per group instead of twice
    /// per batch, and the device's queue stays busy meanwhile. Each batch is copied from the staged
    /// rows into the input buffer on the device, and its loss into its slot of the returned buffer:
    /// the same ops in the same order as one batch at a time, so the same weights.
    private func queueBatches(_ staged: StagedGroup) throws -> (losses: B.Buffer, penalties: [Float]) {
        let p = network.inputSize, classifier = network.architecture.task == .classifier
        let losses = try groupLosses.buffer(batch: staged.batchRows.count)
        var penalties: [Float] = [], row = 0
        for (j, indices) in staged.batchRows.enumerated() {
            let n = indices.count
            let x = try input.buffer(batch: n)
            if !staged.direct {
                try backend.copy(staged.images, srcOffset: row * p, to: x, dstOffset: 0, count: n * p)
                if classifier {
                    try backend.copy(staged.labels, srcOffset: row, to: try labels.buffer(batch: n), dstOffset: 0, count: n)
                }
            }
            row += n
            let output = try network.forward(x, batch: n, training: true)
            let gradient = try outputGradient.buffer(batch: n)
            try queueLoss(output: output, input: x, rows: n, gradient: gradient)
            try backend.copy(lossValue, srcOffset: 0, to: losses, dstOffset: j, count: 1)
            try network.backward(gradient, batch: n)
            penalties.append(try applyElasticNet())
            try optimizerStep()
            try backend.flush()
        }
        return (losses, penalties)
    }

    /// Forward, NT-Xent, backward and an optimizer step on one contrastive batch; returns its loss.
    private func trainContrastiveBatch(_ data: LabeledImages, indices: [Int], at: (epoch: Int, batch: Int)) throws -> Float {
        let rows = 2 * indices.count
        let x = try uploadViews(data, indices: indices, seed: viewSeed(at))
        let output = try network.forward(x, batch: rows, training: true)
        let gradient = try outputGradient.buffer(batch: rows)
        let loss = try backend.ntXent(embeddings: output, rows: rows, dims: network.outputSize, temperature: settings.temperature,
                                      gradient: gradient)
        guard loss.isFinite else { return loss }
        try network.backward(gradient, batch: rows)
        let penalty = try applyElasticNet()
        try optimizerStep()
        return loss + penalty
    }

    /// Mean loss (and accuracy for classifiers) over `indices`, without training.
    public func evaluate(_ data: LabeledImages, indices: [Int]) throws -> Evaluation {
        var total = 0.0, correct = 0, counted = 0
        for start in stride(from: 0, to: indices.count, by: settings.batchSize) {
            let batchIndices = Array(indices[start ..< min(indices.count, start + settings.batchSize)])
            let n = batchIndices.count
            if contrastive && n == 1 { continue } // no negatives: no loss to measure (see trainEpoch)
            counted += n
            // Contrastive: the same views every evaluation (a seed of their own), so losses compare across epochs.
            let x = contrastive ? try uploadViews(data, indices: batchIndices, seed: settings.seed ^ 0x5EED_0F_E7A1 &* UInt64(start + 1))
                : try upload(data, indices: batchIndices)
            let output = try network.forward(x, batch: contrastive ? 2 * n : n, training: false)
            total += Double(try computeLoss(output: output, input: x, data: data, indices: batchIndices, gradient: nil)) * Double(n)
            if network.architecture.task == .classifier {
                let logits = try backend.floats(output, offset: 0, count: n * 10)
                for (r, i) in batchIndices.enumerated() {
                    let row = logits[(r * 10) ..< ((r + 1) * 10)]
                    if row.firstIndex(of: row.max()!)! - r * 10 == Int(data.labels[i]) { correct += 1 }
                }
            }
        }
        let count = max(1, counted)
        return Evaluation(loss: total / Double(count), accuracy: network.architecture.task == .classifier ? Double(correct) / Double(count) : nil)
    }

    /// For models with an elastic-net penalty `l1 |W|_1 + l2/2 |W|_2^2` on the weights (not biases):
    /// adds `l1 sign(W) + l2 W` to each weight gradient and returns the penalty's value, reduced on
    /// the device (one float read back per weight tensor).
    private func applyElasticNet() throws -> Float {
        guard let (l1, l2) = network.architecture.elasticNet else { return 0 }
        var penalty: Float = 0
        for p in network.parameters where p.shape.count > 1 {
            let (terms, squares) = try penaltyScratch(count: p.count)
            try backend.map(.sign, p.value, into: terms, count: p.count)
            try backend.axpy(alpha: l1, x: terms, y: p.gradient, count: p.count)
            try backend.axpy(alpha: l2, x: p.value, y: p.gradient, count: p.count)
            // terms = l1 |W| + l2/2 W^2, then summed.
            try backend.map(.abs, p.value, into: terms, count: p.count)
            try backend.scale(terms, by: l1, into: terms, count: p.count)
            try backend.map(.square, p.value, into: squares, count: p.count)
            try backend.axpy(alpha: l2 / 2, x: squares, y: terms, count: p.count)
            try backend.reduce(.sum, terms, rows: 1, cols: p.count, along: .eachRow, into: penaltyValue)
            penalty += try backend.floats(penaltyValue)[0]
        }
        return penalty
    }

    private var penaltyBuffers: (B.Buffer, B.Buffer)?
    private func penaltyScratch(count: Int) throws -> (B.Buffer, B.Buffer) {
        if let b = penaltyBuffers, b.0.count >= count { return b }
        let b = (try backend.makeBuffer(count: count), try backend.makeBuffer(count: count))
        penaltyBuffers = b
        return b
    }

    /// Sets the step counter when a run resumes (Adam's bias correction continues from it).
    func restoreStep(_ value: Int) { step = value }

    /// Uploads the images at `indices` (and their labels, for classifiers) into the batch buffers.
    private func upload(_ data: LabeledImages, indices: [Int]) throws -> B.Buffer {
        let n = indices.count
        let x = try input.buffer(batch: n)
        let host = hostImages(data, indices: indices)
        try host.withUnsafeBufferPointer { try backend.upload($0, to: x, offset: 0) }
        if network.architecture.task == .classifier {
            let y = indices.map { data.labels[$0] }
            try y.withUnsafeBufferPointer { try backend.upload($0, to: try labels.buffer(batch: n), offset: 0) }
        }
        return x
    }

    /// The images at `indices`, row after row, shifted when `augmentation` is given and
    /// `shiftPixels > 0` (the shifts drawn from the seed, the epoch and the batch).
    private func hostImages(_ data: LabeledImages, indices: [Int], augmentation: (epoch: Int, batch: Int)? = nil) -> [Float] {
        let n = indices.count, p = data.pixelsPerImage
        var host = [Float](repeating: 0, count: n * p)
        data.images.withUnsafeBufferPointer { src in
            host.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    (dst.baseAddress! + r * p).update(from: src.baseAddress! + i * p, count: p)
                }
            }
        }
        if let augmentation, settings.shiftPixels > 0 {
            var rng = SplitMix64(seed: settings.seed ^ UInt64(augmentation.epoch) &* 0x9E37_79B9 ^ UInt64(augmentation.batch) &* 0xC2B2_AE35)
            let span = 2 * settings.shiftPixels + 1
            for r in 0 ..< n {
                let dx = rng.next(below: span) - settings.shiftPixels, dy = rng.next(below: span) - settings.shiftPixels
                Self.shift(&host, image: r, width: data.width, height: data.height, dx: dx, dy: dy)
            }
        }
        return host
    }

    /// Moves image `image` of `pixels` by `(dx, dy)`, filling with 0.
    static func shift(_ pixels: inout [Float], image: Int, width: Int, height: Int, dx: Int, dy: Int) {
        guard dx != 0 || dy != 0 else { return }
        let base = image * width * height
        let original = Array(pixels[base ..< base + width * height])
        for y in 0 ..< height {
            for x in 0 ..< width {
                let (sx, sy) = (x - dx, y - dy)
                pixels[base + y * width + x] = sx >= 0 && sx < width && sy >= 0 && sy < height ? original[sy * width + sx] : 0
            }
        }
    }

    /// The batch's mean loss, and its gradient with respect to `output` when `gradient` is given.
    private func computeLoss(output: B.Buffer, input x: B.Buffer, data: LabeledImages, indices: [Int], gradient: B.Buffer?) throws -> Float {
        let n = indices.count
        if contrastive {
            return try backend.ntXent(embeddings: output, rows: 2 * n, dims: network.outputSize, temperature: settings.temperature,
                                      gradient: gradient)
        }
        try queueLoss(output: output, input: x, rows: n, gradient: gradient)
        return try backend.floats(lossValue)[0]
    }

    /// Queues the mean loss of an autoencoder's or a classifier's batch of `rows` into `lossValue`,
    /// and its gradient with respect to `output` when `gradient` is given.
    private func queueLoss(output: B.Buffer, input x: B.Buffer, rows n: Int, gradient: B.Buffer?) throws {
        switch network.architecture.task {
        case .autoencoder:
            try backend.meanSquaredError(prediction: output, target: x, count: n * network.outputSize, gradient: gradient, loss: lossValue)
        case .classifier:
            try backend.softmaxCrossEntropy(logits: output, labels: try labels.buffer(batch: n), rows: n, classes: 10,
                                            gradient: gradient, loss: lossValue)
        case .contrastive:
            preconditionFailure("contrastive losses are computed on the host (ntXent)")
        }
    }

    private var contrastive: Bool { network.architecture.task == .contrastive }

    /// The seed of a training batch's views: from the run's seed, the epoch and the batch.
    private func viewSeed(_ at: (epoch: Int, batch: Int)) -> UInt64 {
        settings.seed ^ (0x6A09_E667_F3BC_C909 &* UInt64(at.epoch + 1)) ^ (0xBB67_AE85_84CA_A73B &* UInt64(at.batch + 1))
    }

    /// Uploads `2 n` views of the `n` images at `indices` (rows `i` and `i + n`: two views of image
    /// `i`), drawn from `seed` in row order.
    private func uploadViews(_ data: LabeledImages, indices: [Int], seed: UInt64) throws -> B.Buffer {
        let n = indices.count, p = data.pixelsPerImage
        let x = try input.buffer(batch: 2 * n)
        var host = [Float](repeating: 0, count: 2 * n * p)
        var rng = SplitMix64(seed: seed)
        data.images.withUnsafeBufferPointer { src in
            host.withUnsafeMutableBufferPointer { dst in
                settings.views.views(of: src.baseAddress!, sources: indices + indices, width: data.width, height: data.height,
                                     into: dst.baseAddress!, rng: &rng)
            }
        }
        try host.withUnsafeBufferPointer { try backend.upload($0, to: x, offset: 0) }
        return x
    }

    private func optimizerStep() throws {
        step += 1
        try settings.optimizer.update(network.parameters, backend: backend, learningRate: currentLearningRate, momentum: settings.momentum, step: step)
    }
}

extension TrainingSettings.Optimizer {
    /// One step of this optimizer on `parameters` from their gradients: Adam with PyTorch's defaults,
    /// or SGD with `momentum` (PyTorch's algorithm); `step` counts from 1 (Adam's bias correction,
    /// SGD's momentum seeding). Optimizer state lives in each `Parameter`.
    func update<B: ComputeBackend>(_ parameters: [Parameter<B>], backend: B, learningRate: Float, momentum: Float, step: Int) throws {
        switch self {
        case .adam:
            try Parameter.adamStep(of: parameters, settings: AdamSettings(learningRate: learningRate), step: step, backend: backend)
        case .sgd:
            for p in parameters {
                if p.firstMoment == nil { p.firstMoment = try backend.makeBuffer(count: p.count) }
                try backend.sgdStep(parameters: p.value, gradients: p.gradient, momentumBuffer: p.firstMoment, count: p.count,
                                    settings: SGDSettings(learningRate: learningRate, momentum: momentum), firstStep: step == 1)
            }
        }
    }
}
