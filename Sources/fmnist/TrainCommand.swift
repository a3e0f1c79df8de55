import ArgumentParser
import Backend
import Dataset
import Foundation
import Models
import Progress

/// `fmnist train autoencoder|classifier|contrastive`: trains on the training split, validates each
/// epoch, writes the checkpoint atomically at every epoch end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the conv or dense autoencoder, the CNN classifier or the SimCLR encoder on Fashion-MNIST.",
        discussion: "Checkpoints are safetensors files with PyTorch tensor names; the optimizer state for --resume "
            + "is written beside them as FILE.state.")

    @Argument(help: "What to train: autoencoder, classifier or contrastive (SimCLR: labels are never read).")
    var task: TrainingTask

    @Option(help: ArgumentHelp("Architecture: conv-ae, dense-ae or n2d-ae (autoencoder; n2d-ae: dense-ae as N2D's and "
        + "DEC-Keras's reference code builds it, linear output and Keras's initialisation), cnn or softmax (classifier), "
        + "simclr or simclr-cnn (contrastive; simclr-cnn: the cnn's pooled trunk, 2.7x the time). Default: conv-ae / cnn / simclr."))
    var arch: String?

    @Option(help: ArgumentHelp("Bottleneck size of the autoencoders (default: 10), representation size of simclr (default: 128); "
        + "with --init, the checkpoint's."))
    var latent: Int?

    @Option(help: "Contrastive: NT-Xent temperature (default: 0.5).")
    var temperature: Float?

    @Option(help: ArgumentHelp("Contrastive: the smallest area of a view's random crop, as a fraction of the image (default: 0.2, "
        + "SCAN's SimCLR setting for 32-pixel images; SimCLR's own: 0.08)."))
    var cropArea: Double?

    @Option(help: "Dropout after the classifier's fc1, training only (default: 0.25, also with --init).")
    var dropout: Float?

    @Option(help: "Elastic-net L1 coefficient a (softmax: a |W|_1; default 0, also with --init).")
    var l1: Float?

    @Option(help: "Elastic-net L2 coefficient b (softmax: b/2 |W|_2^2; default 0, also with --init).")
    var l2: Float?

    @Option(name: .customLong("epochs"), help: ArgumentHelp("Epochs to train (in total, when resuming). Default: 10 for autoencoders, 20 for classifiers "
        + "and contrastive models."))
    var epochsOption: Int?


    @Option(help: "Images per batch.")
    var batch: Int = 256

    @Option(help: "Learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Optimizer: adam or sgd (momentum 0.9).")
    var optimizer: String = "adam"

    @Option(help: ArgumentHelp("Learning-rate schedule: constant or cosine (annealed to 0 over --epochs). Default: constant for "
        + "autoencoders, cosine for classifiers and contrastive models (as SimCLR)."))
    var lrSchedule: String?

    /// Defaults measured on the H100 (benchmarks/results/2026-11-22-h100-interop/tuning.txt): the
    /// CNN reaches 0.9103 test accuracy with 10 constant-rate epochs, 0.9196 with 20 cosine ones.
    var epochs: Int { epochsOption ?? (task == .autoencoder ? 10 : 20) }
    var temperatureValue: Float { temperature ?? TrainingSettings().temperature }
    var cropAreaValue: Double { cropArea ?? TrainingSettings().views.minimumArea }
    var schedule: String { lrSchedule ?? (task == .autoencoder ? "constant" : "cosine") }

    enum Images: String, ExpressibleByArgument, CaseIterable { case train, all }

    @Option(help: ArgumentHelp("Images to train on: train (the training split) or all (it plus the 10,000 test images; "
        + "autoencoders and contrastive models only, as N2D and DEC pretrain: labels are never read)."))
    var images: Images = .train

    @Option(help: ArgumentHelp("Classifier: train on these classes instead of the true labels — e.g. a clustering's "
        + "(`fmnist cluster`, `deep-cluster`): a label file (.npy or .csv) of integers 0-9 (-1 leaves an image out), one per "
        + "image of --images in file order. The true labels are then never read, so --images all is allowed; needs "
        + "--val-fraction 0."))
    var targets: String?

    @Option(help: "Randomly shift training images by up to this many pixels (augmentation; 0: off).")
    var shift: Int = 0

    @Option(help: "Stop when the validation loss (the training loss with --val-fraction 0) has not improved for this many epochs (0: never).")
    var patience: Int = 0

    @Flag(help: "Take batches in file order instead of a seeded shuffle.")
    var noShuffle = false

    @Option(name: .customLong("init"), help: "Start from this checkpoint's weights (fresh optimizer).")
    var initFrom: String?

    @Flag(help: "Continue the interrupted run in --out exactly (weights, optimizer, epoch, dropout draws).")
    var resume = false

    @Option(help: "Checkpoint to write (safetensors).")
    var out: String

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Print a JSON report at the end.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    /// The architecture as typed; unset values stay nil so a checkpoint or default can fill them.
    var request: ArchitectureRequest {
        ArchitectureRequest(name: arch, task: task, latent: latent, dropout: dropout, l1: l1, l2: l2)
    }

    /// What shapes the run's trajectory besides the architecture, the optimizer and the images (each
    /// checked on its own): `--resume` refuses other values, so a resumed run continues the same run.
    var trajectorySettings: [(flag: String, value: String)] {
        [("--batch", "\(batch)"), ("--lr", "\(lr)"), ("--lr-schedule", schedule), ("--seed", "\(data.seed)"),
         ("--shift", "\(shift)"), ("--no-shuffle", noShuffle ? "(given)" : "(not given)")]
            + (task == .contrastive ? [("--temperature", "\(temperatureValue)"), ("--crop-area", "\(cropAreaValue)")] : [])
    }

    func validate() throws {
        do {
            let fresh = try request.fresh()
            if !resume && initFrom == nil { try request.checkTypedValuesApply(to: fresh) }
        } catch let error as DataError { throw ValidationError(error.description) }
        if let latent, !(1 ... Architecture.maximumLatent).contains(latent) {
            throw ValidationError("--latent \(latent) must be between 1 and \(Architecture.maximumLatent)")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs \(epochs) must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch \(batch) must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr \(lr) must be positive") }
        for (flag, value) in [("--l1", l1), ("--l2", l2)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(flag) \(value) must be finite and not negative") }
        }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout \(dropout) must be in [0, 1)") }
        guard TrainingSettings.Optimizer(rawValue: optimizer) != nil else { throw ValidationError("--optimizer '\(optimizer)' is not adam or sgd") }
        guard TrainingSettings.Schedule(rawValue: schedule) != nil else { throw ValidationError("--lr-schedule '\(schedule)' is not constant or cosine") }
        guard (0 ... 8).contains(shift) else { throw ValidationError("--shift \(shift) must be between 0 and 8 pixels") }
        if task == .contrastive && shift != 0 {
            throw ValidationError("--shift does not apply to contrastive training, whose views are random crops of their own")
        }
        if let temperature {
            guard task == .contrastive else { throw ValidationError("--temperature applies to `train contrastive` only") }
            guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature \(temperature) must be positive") }
        }
        if let cropArea {
            guard task == .contrastive else { throw ValidationError("--crop-area applies to `train contrastive` only") }
            guard cropArea > 0, cropArea <= 1 else { throw ValidationError("--crop-area \(cropArea) must be in (0, 1]") }
        }
        if let targets {
            guard task == .classifier else { throw ValidationError("--targets applies to `train classifier` only") }
            guard data.valFraction == 0 else {
                throw ValidationError("--targets needs --val-fraction 0: validation would score the held-out images against their true labels")
            }
            guard FileManager.default.fileExists(atPath: targets) else { throw ValidationError("--targets \(targets): no such file") }
        }
        if images == .all && task == .classifier && targets == nil {
            throw ValidationError("--images all is for autoencoders and contrastive encoders: a classifier would train on the test labels "
                + "(--targets trains it on other labels)")
        }
        guard patience >= 0 else { throw ValidationError("--patience must not be negative") }
        if resume && initFrom != nil { throw ValidationError("--resume and --init exclude each other") }
        if resume {
            guard FileManager.default.fileExists(atPath: out), FileManager.default.fileExists(atPath: TrainingState.path(forCheckpoint: out)) else {
                throw ValidationError("--resume: no interrupted run at \(out) (needs \(out) and \(TrainingState.path(forCheckpoint: out)))")
            }
        }
        try OutputPath.check(out, flag: "--out", extensions: ["safetensors"])
    }

    struct EpochRecord: Codable {
        var epoch: Int, trainLoss: Double, validationLoss: Double?, validationAccuracy: Double?, seconds: Double, imagesPerSecond: Double
    }

    struct Report: Codable {
        var architecture: String, backend: String, checkpoint: String, epochs: [EpochRecord], stoppedEarly: Bool
    }

    func run() throws {
        let log: (String) -> Void = quiet || json ? { _ in } : note
        let backend = try backendOptions.open(log: log)
        try train(on: backend, log: log)
    }

    private func train<B: ComputeBackend>(on backend: B, log: (String) -> Void) throws {
        let (set, splits) = try data.load()
        // With --images all the test images follow the training images; indices below 60,000 (the
        // validation draw included) mean the same images as in `set.train`.
        var images = self.images == .all ? set.train.appending(set.test) : set.train
        var trainIndices = self.images == .all ? splits.train + splits.test.map { set.train.count + $0 } : splits.train
        if let targets {
            images.labels = try Self.readTargets(targets, count: images.count, classes: FashionMNIST.classNames.count)
            trainIndices = trainIndices.filter { images.labels[$0] >= 0 }
        }
        guard !trainIndices.isEmpty else {
            throw ValidationError("--val-fraction \(data.valFraction) holds out every training image: nothing is left to train on")
        }
        // SimCLR compares each image with the others of its batch: one image alone has no negatives.
        let fewest = task == .contrastive ? 2 : 1
        let validationCount = splits.validation.count
        guard trainIndices.count >= fewest else {
            throw ValidationError("contrastive training needs at least 2 images; \(trainIndices.count) is left to train on")
        }
        var settings = TrainingSettings()
        settings.batchSize = batch
        settings.learningRate = lr
        settings.optimizer = TrainingSettings.Optimizer(rawValue: optimizer)!
        settings.shuffle = !noShuffle
        settings.seed = data.seed
        settings.schedule = TrainingSettings.Schedule(rawValue: schedule)!
        settings.epochs = epochs
        settings.shiftPixels = shift
        settings.temperature = temperatureValue
        settings.views.minimumArea = cropAreaValue
        let network: Network<B>
        var origin = ""
        if resume {
            let file = try Safetensors.read(out)
            network = try Checkpoint.load(file, source: out, as: try request.resuming(file, path: out), backend: backend, seed: data.seed, note: note)
        } else if let initFrom {
            let file = try Safetensors.read(initFrom)
            let (architecture, notes) = try request.initialising(from: file, path: initFrom)
            notes.forEach(note)
            network = try Checkpoint.load(file, source: initFrom, as: architecture, backend: backend, seed: data.seed, note: note)
            origin = ", weights from \(initFrom)"
        } else {
            network = try Network(try request.fresh(), backend: backend, seed: data.seed)
        }
        let architecture = network.architecture
        try request.checkTypedValuesApply(to: architecture)
        let trainer = try Trainer(network: network, settings: settings)
        let imageDraw = "\(self.images.rawValue) images, val-fraction \(data.valFraction), split-seed \(data.splitSeed), "
            + "limit \(data.limit.map(String.init) ?? "none")" + (targets.map { ", targets \($0)" } ?? "")
        var state = TrainingState(epochsDone: 0, step: 0, bestValidationLoss: .infinity, epochsWithoutImprovement: 0, images: imageDraw,
                                  settings: trajectorySettings)
        if resume {
            // Runs from before --crop-area existed recorded no crops; they all used the default.
            let predating = task == .contrastive ? [("--crop-area", "\(TrainingSettings().views.minimumArea)")] : []
            state = try TrainingState.restore(trainer, checkpoint: out, images: imageDraw, settings: trajectorySettings,
                                              predating: predating)
            state.images = imageDraw
            state.settings = trajectorySettings
            guard state.epochsDone < epochs else {
                throw ValidationError("--resume: \(out) has already trained \(state.epochsDone) epochs; pass --epochs above that to continue")
            }
        }
        log("\(architecture): \(trainIndices.count) training / \(splits.validation.count) validation images, batch \(batch), "
            + "\(optimizer) lr \(lr) (\(schedule)), \(epochs) epochs, seed \(data.seed)" + origin + (resume ? ", resuming after epoch \(state.epochsDone)" : ""))
        var records: [EpochRecord] = []
        var stoppedEarly = false
        let progress = ProgressReporter.standardError(silent: quiet || json)
        for epoch in state.epochsDone ..< epochs {
            let start = Date()
            progress.start("epoch \(epoch + 1)/\(epochs)", total: (trainIndices.count + batch - 1) / batch, unit: "batches")
            let losses = try trainer.trainEpoch(images, indices: trainIndices, epoch: epoch) { p in
                progress.update(p.batch, detail: "loss \(String(format: "%.4f", p.loss))  \(Int(p.imagesPerSecond)) img/s")
            }
            let seconds = Date().timeIntervalSince(start)
            let trainLoss = losses.map(Double.init).reduce(0, +) / Double(max(1, losses.count))
            let validation = validationCount < fewest ? nil : try trainer.evaluate(set.train, indices: splits.validation)
            let record = EpochRecord(epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
                                     seconds: seconds, imagesPerSecond: Double(trainIndices.count) / seconds)
            records.append(record)
            let monitored = validation?.loss ?? trainLoss
            if monitored < state.bestValidationLoss { state.bestValidationLoss = monitored; state.epochsWithoutImprovement = 0 } else {
                state.epochsWithoutImprovement += 1
            }
            state.epochsDone = epoch + 1
            state.step = trainer.step
            try Checkpoint.save(network, to: out, extra: ["fmnist.epoch": "\(epoch + 1)", "fmnist.train_loss": "\(trainLoss)",
                                                          "fmnist.val_loss": validation.map { "\($0.loss)" } ?? "",
                                                          "fmnist.trained_on": self.images.rawValue, "fmnist.val_fraction": "\(data.valFraction)",
                                                          "fmnist.split_seed": "\(data.splitSeed)"])
            try state.save(trainer, checkpoint: out)
            progress.finish("epoch \(epoch + 1)/\(epochs)  train \(String(format: "%.4f", trainLoss))"
                + (validation.map { "  val \(String(format: "%.4f", $0.loss))" } ?? "")
                + (validation?.accuracy.map { "  val acc \(String(format: "%.4f", $0))" } ?? "")
                + "  (\(String(format: "%.1f", seconds)) s, \(Int(record.imagesPerSecond)) img/s)  saved \(out)")
            if patience > 0 && state.epochsWithoutImprovement >= patience {
                stoppedEarly = true
                let monitoredName = validationCount < fewest ? "training loss (no validation images)" : "validation loss"
                log("early stop: \(monitoredName) has not improved for \(patience) epochs (best \(String(format: "%.4f", state.bestValidationLoss)) "
                    + "after epoch \(state.epochsDone - state.epochsWithoutImprovement); \(out) holds the weights after epoch \(state.epochsDone))")
                break
            }
        }
        if json {
            print(try jsonString(Report(architecture: architecture.description, backend: backend.name, checkpoint: out,
                                        epochs: records, stoppedEarly: stoppedEarly)))
        }
    }
}

extension TrainCommand {
    /// `--targets`: one class in `0 ..< classes` or -1 (left out) per image, from a label file (`.npy`
    /// or `.csv`, `LabelFile`) of exactly `count` entries; anything else is one error line naming the file.
    static func readTargets(_ path: String, count: Int, classes: Int) throws -> [Int32] {
        let values: [Int64]
        do { values = try LabelFile.read(path) } catch let error as DataError { throw ValidationError("--targets \(error)") }
        guard values.count == count else {
            throw ValidationError("--targets \(path): \(values.count) labels for the \(count) images of --images (file order)")
        }
        if let bad = values.firstIndex(where: { $0 < -1 || $0 >= Int64(classes) }) {
            throw ValidationError("--targets \(path): label \(values[bad]) at image \(bad); classes are 0 to \(classes - 1), -1 leaves an image out")
        }
        guard values.contains(where: { $0 >= 0 }) else { throw ValidationError("--targets \(path): every image is left out (-1)") }
        return values.map { Int32($0) }
    }
}

extension TrainingTask: ExpressibleByArgument {}
