import Backend
import Dataset
import Foundation
import Imaging
import Models

/// A model the study trains: its name in the report, architecture and schedule.
struct ModelPlan {
    var name: String
    var architecture: Architecture
    var epochs: Int
    var schedule: TrainingSettings.Schedule
}

extension Study {
    /// The models of seeds 003 and 004: conv and dense autoencoders at each bottleneck size, the CNN
    /// classifier, and softmax regression plain and with an elastic-net penalty (l1 = l2 = 1e-4 on
    /// the weights; scikit-learn's `LogisticRegression(penalty="elasticnet")` analogue).
    var modelPlans: [ModelPlan] {
        profile.latents.map { ModelPlan(name: "conv-ae-\($0)", architecture: .convAutoencoder(latent: $0), epochs: profile.autoencoderEpochs, schedule: .constant) }
            + profile.latents.map { ModelPlan(name: "dense-ae-\($0)", architecture: .denseAutoencoder(latent: $0), epochs: profile.autoencoderEpochs, schedule: .constant) }
            + [ModelPlan(name: "cnn", architecture: .cnn(dropout: ArchitectureRequest.defaultDropout), epochs: profile.classifierEpochs, schedule: .cosine),
               ModelPlan(name: "softmax", architecture: .softmax(l1: 0, l2: 0), epochs: profile.classifierEpochs, schedule: .cosine),
               ModelPlan(name: "softmax-elastic-net", architecture: .softmax(l1: 1e-4, l2: 1e-4), epochs: profile.classifierEpochs, schedule: .cosine)]
    }

    func trainingSettings(_ plan: ModelPlan) -> TrainingSettings {
        var s = TrainingSettings()
        (s.batchSize, s.learningRate, s.optimizer, s.seed, s.schedule, s.epochs) = (256, 1e-3, .adam, settings.seed, plan.schedule, plan.epochs)
        return s
    }

    func modelKey(_ plan: ModelPlan) throws -> ArtefactKey {
        let s = trainingSettings(plan)
        return ArtefactKey("model", plan.architecture.description, "epochs \(plan.epochs)", "batch \(s.batchSize)", "adam lr \(s.learningRate)",
                           s.schedule.rawValue, "seed \(s.seed)", "train \(try trainingIndices.count) val 0.1", "data \(settings.dataDirectory)",
                           "build \(BuildIdentity.current)")
    }

    func runModels() throws {
        for plan in modelPlans {
            attempt("model \(plan.name)") { _ = try network(plan) }
        }
    }

    /// The trained network of `plan`: from the cache, resumed from its last finished epoch, or trained.
    func network(_ plan: ModelPlan) throws -> Network<B> {
        if let n = networks[plan.name] { return n }
        let key = try modelKey(plan)
        let final = cache.path("model-\(plan.name)", key, ext: "safetensors")
        let summaryName = "model-\(plan.name)"
        // A summary without its weights (deleted by hand) must not stand for a trained model.
        if !FileManager.default.fileExists(atPath: final) { try? FileManager.default.removeItem(atPath: cache.path(summaryName, key, ext: "json")) }
        var hit = false
        var trained: Network<B>?
        var summary = try cache.record(summaryName, key, hit: &hit) { () -> ModelSummary in
            let (network, seconds, loss) = try train(plan, to: final)
            trained = network
            return ModelSummary(name: plan.name, architecture: plan.architecture.description, epochs: plan.epochs,
                                trainingImages: try trainingIndices.count, seconds: seconds, cached: false, finalLoss: loss)
        }
        let network = try trained ?? Checkpoint.load(final, backend: backend, seed: settings.seed)
        count(hit: hit)
        summary.cached = hit
        try evaluate(plan, network, into: &summary)
        record.models.removeAll { $0.name == plan.name }
        record.models.append(summary)
        networks[plan.name] = network
        return network
    }

    /// Trains `plan` on the training images, writing `final.partial` and its optimizer state at
    /// every epoch end (so a killed run resumes from the last finished epoch), then moving it to `final`.
    private func train(_ plan: ModelPlan, to final: String) throws -> (Network<B>, Double, Double) {
        let (data, _) = try dataset.get()
        let indices = try trainingIndices
        let partial = final + ".partial"
        let settings = trainingSettings(plan)
        let network: Network<B>
        var epochsDone = 0
        let resumable = FileManager.default.fileExists(atPath: partial) && FileManager.default.fileExists(atPath: TrainingState.path(forCheckpoint: partial))
        if resumable {
            network = try Checkpoint.load(partial, backend: backend, seed: settings.seed)
        } else {
            network = try Network(plan.architecture, backend: backend, seed: settings.seed)
        }
        let trainer = try Trainer(network: network, settings: settings)
        if resumable {
            epochsDone = try TrainingState.restore(trainer, checkpoint: partial).epochsDone
            note("\(plan.name): resuming after epoch \(epochsDone) of \(plan.epochs)")
        }
        let start = Date()
        var loss = Double.nan
        let batches = (indices.count + settings.batchSize - 1) / settings.batchSize
        for epoch in epochsDone ..< plan.epochs {
            progress.start("models: \(plan.name) epoch \(epoch + 1)/\(plan.epochs)", total: batches, unit: "batches")
            let losses = try trainer.trainEpoch(data.train, indices: indices, epoch: epoch) { p in
                self.progress.update(p.batch, detail: String(format: "loss %.4f", p.loss))
            }
            loss = losses.map(Double.init).reduce(0, +) / Double(max(1, losses.count))
            try Checkpoint.save(network, to: partial, extra: ["fmnist.epoch": "\(epoch + 1)", "fmnist.train_loss": "\(loss)"])
            try TrainingState(epochsDone: epoch + 1, step: trainer.step, bestValidationLoss: .infinity, epochsWithoutImprovement: 0)
                .save(trainer, checkpoint: partial)
        }
        progress.finish()
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: partial, toPath: final)
        try? FileManager.default.removeItem(atPath: TrainingState.path(forCheckpoint: partial))
        return (network, Date().timeIntervalSince(start), loss)
    }

    /// Scores on the 10,000 test images: reconstruction MSE per pixel (autoencoders, with a figure of
    /// one random image per class above its reconstruction), or accuracy and per-class precision,
    /// recall and F1 with a confusion heatmap (classifiers).
    private func evaluate(_ plan: ModelPlan, _ network: Network<B>, into summary: inout ModelSummary) throws {
        let test = try dataset.get().data.test
        let output = try network.infer(test.images, count: test.count)
        if plan.architecture.isAutoencoder {
            var sum = 0.0
            for (a, b) in zip(output, test.images) { sum += Double(a - b) * Double(a - b) }
            summary.reconstructionMSE = sum / Double(max(1, output.count))
            figure("reconstruction-\(plan.name)", section: "models", title: "\(plan.name): test images and reconstructions",
                   caption: String(format: "One random test image per class (top) above the %@'s reconstruction (bottom); test MSE per pixel %.5f.",
                                   plan.name, summary.reconstructionMSE!)) {
                var rng = SplitMix64(seed: settings.seed ^ 0x5EC0)
                let picks = (0 ..< 10).map { c -> Int in
                    let members = (0 ..< test.count).filter { test.labels[$0] == Int32(c) }
                    return members[rng.next(below: members.count)]
                }
                let p = test.pixelsPerImage
                let rows = [ImageGrid.Row(caption: "original", images: picks.map { test.image($0) },
                                          imageCaptions: picks.map { FashionMNIST.classNames[Int(test.labels[$0])] }),
                            ImageGrid.Row(caption: "reconstructed", images: picks.map { output[($0 * p) ..< (($0 + 1) * p)] })]
                return try ImageGrid(rows: rows, imageWidth: test.width, imageHeight: test.height).cairoPNG()
            }
        } else {
            let predicted = (0 ..< test.count).map { i -> Int32 in
                let row = output[(i * 10) ..< ((i + 1) * 10)]
                return Int32(row.firstIndex(of: row.max()!)! - i * 10)
            }
            let report = ClassificationReport(truth: test.labels, predicted: predicted, classes: 10)
            (summary.accuracy, summary.macroPrecision, summary.macroRecall, summary.macroF1) = (report.accuracy, report.macroPrecision,
                                                                                                report.macroRecall, report.macroF1)
            (summary.precision, summary.recall, summary.f1) = (report.precision, report.recall, report.f1)
            figure("confusion-\(plan.name)", section: "models", title: "\(plan.name): confusion matrix on the test split",
                   caption: String(format: "Rows: true class; columns: predicted class (numbered as the rows). Accuracy %.4f, macro F1 %.4f.",
                                   report.accuracy, report.macroF1)) {
                try Heatmap(title: "\(plan.name): true (rows) vs predicted", rowLabels: FashionMNIST.classNames,
                            values: report.confusion.map { $0.map(Double.init) }).cairoPNG()
            }
        }
    }
}
