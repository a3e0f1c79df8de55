import Backend
import Dataset

/// Everything beyond the weights that `--resume` needs to continue a run exactly: the optimizer's
/// moments and step count, the epoch reached, dropout's draw counters and early-stopping state.
/// Stored as a safetensors file beside the checkpoint (`<checkpoint>.state`).
public struct TrainingState {
    public var epochsDone: Int
    public var step: Int
    public var bestValidationLoss: Double
    public var epochsWithoutImprovement: Int
    /// The images the run trains on and holds out, as the command states them (e.g. "train images,
    /// val-fraction 0.1, split-seed 0, limit none"): a resumed run must see the same draw. Empty when
    /// not recorded (states written before it was), and then not checked.
    public var images: String
    /// The settings that shape the run's trajectory, as the command line spells them, in order (e.g.
    /// `[("--batch", "256"), ("--lr", "0.001"), …]`): a resumed run must use the same ones, or it would
    /// not continue the run but start another from its middle. Empty when not recorded (states
    /// written before they were), and then not checked.
    public var settings: [(flag: String, value: String)]

    public init(epochsDone: Int, step: Int, bestValidationLoss: Double, epochsWithoutImprovement: Int, images: String = "",
                settings: [(flag: String, value: String)] = []) {
        (self.epochsDone, self.step, self.bestValidationLoss, self.epochsWithoutImprovement) = (epochsDone, step, bestValidationLoss, epochsWithoutImprovement)
        self.images = images
        self.settings = settings
    }

    private static let settingPrefix = "fmnist.setting"

    public static func path(forCheckpoint checkpoint: String) -> String { checkpoint + ".state" }

    /// Writes the trainer's optimizer state and this state next to `checkpoint`, atomically.
    public func save<B>(_ trainer: Trainer<B>, checkpoint: String) throws {
        let backend = trainer.network.backend
        var tensors: [(name: String, tensor: Safetensors.Tensor)] = []
        for p in trainer.network.parameters {
            if let m = p.firstMoment { tensors.append((p.name + ".exp_avg", .init(shape: p.shape, values: try backend.floats(m)))) }
            if let v = p.secondMoment { tensors.append((p.name + ".exp_avg_sq", .init(shape: p.shape, values: try backend.floats(v)))) }
        }
        let draws = trainer.network.layers.compactMap { $0 as? DropoutLayer<B> }.map { String($0.draws) }.joined(separator: ",")
        let metadata = ["fmnist.epochs_done": "\(epochsDone)", "fmnist.step": "\(step)", "fmnist.best_val_loss": "\(bestValidationLoss)",
                        "fmnist.epochs_without_improvement": "\(epochsWithoutImprovement)", "fmnist.dropout_draws": draws,
                        "fmnist.optimizer": trainer.settings.optimizer.rawValue, "fmnist.images": images,
                        Self.settingPrefix + "s": settings.map(\.flag).joined(separator: " ")]
            .merging(settings.map { (Self.settingPrefix + $0.flag, $0.value) }) { $1 }
        try Safetensors(tensors: tensors, metadata: metadata).write(to: Self.path(forCheckpoint: checkpoint))
    }

    /// Reads the state beside `checkpoint` and restores the trainer's optimizer from it; `images` (when
    /// not empty) must be what the state recorded, if it recorded anything, and so must each of
    /// `settings` the state recorded (one error line naming every setting that differs, with the
    /// run's values to type). `predating`: settings added after some states were written, with the
    /// value every such run had; a state that recorded settings but not one of these counts as having
    /// recorded that value.
    public static func restore<B>(_ trainer: Trainer<B>, checkpoint: String, images: String = "",
                                  settings: [(flag: String, value: String)] = [],
                                  predating: [(flag: String, value: String)] = []) throws -> TrainingState {
        let path = Self.path(forCheckpoint: checkpoint)
        let file = try Safetensors.read(path)
        let m = file.metadata
        guard let epochs = m["fmnist.epochs_done"].flatMap(Int.init), let step = m["fmnist.step"].flatMap(Int.init),
              let best = m["fmnist.best_val_loss"].flatMap(Double.init), let stale = m["fmnist.epochs_without_improvement"].flatMap(Int.init) else {
            throw DataError("\(path): not an fmnist training state (metadata missing)")
        }
        guard epochs >= 0, step >= 0, stale >= 0, !best.isNaN else {
            throw DataError("\(path): training state has negative counters or a NaN loss (epochs \(epochs), step \(step))")
        }
        guard m["fmnist.optimizer"] == trainer.settings.optimizer.rawValue else {
            throw DataError("\(path): the run used --optimizer \(m["fmnist.optimizer"] ?? "?"), not \(trainer.settings.optimizer.rawValue)")
        }
        let recorded = m["fmnist.images"] ?? ""
        guard recorded.isEmpty || images.isEmpty || recorded == images else {
            throw DataError("\(path): the run trained on \(recorded); this command asks for \(images) — resume with the same "
                + "--images, --val-fraction, --split-seed and --limit")
        }
        let recordedFlags = (m[settingPrefix + "s"] ?? "").split(separator: " ").map(String.init)
        let recordedSettings = recordedFlags.compactMap { flag in m[settingPrefix + flag].map { (flag: flag, value: $0) } }
            + (recordedFlags.isEmpty ? [] : predating.filter { !recordedFlags.contains($0.flag) })
        let asked = Dictionary(settings.map { ($0.flag, $0.value) }) { $1 }
        let differing = recordedSettings.filter { setting in asked[setting.flag].map { $0 != setting.value } ?? false }
        guard differing.isEmpty else {
            func spelled(_ pairs: [(flag: String, value: String)]) -> String { pairs.map { "\($0.flag) \($0.value)" }.joined(separator: " ") }
            throw DataError("\(path): the run used \(spelled(differing)); this command asks for "
                + "\(spelled(differing.map { ($0.flag, asked[$0.flag]!) })) — resume with the run's settings (only --epochs and --patience may change)")
        }
        let tensors = file.byName
        let backend = trainer.network.backend
        for p in trainer.network.parameters {
            for (suffix, keyPath) in [(".exp_avg", \Parameter<B>.firstMoment), (".exp_avg_sq", \Parameter<B>.secondMoment)] {
                guard let t = tensors[p.name + suffix] else { continue }
                guard t.shape == p.shape else { throw DataError("\(path): \(p.name + suffix) has shape \(t.shape), needs \(p.shape)") }
                p[keyPath: keyPath] = try backend.makeBuffer(t.values)
            }
        }
        let draws = (m["fmnist.dropout_draws"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        for (layer, count) in zip(trainer.network.layers.compactMap { $0 as? DropoutLayer<B> }, draws) { layer.draws = count }
        trainer.restoreStep(step)
        return TrainingState(epochsDone: epochs, step: step, bestValidationLoss: best, epochsWithoutImprovement: stale, images: recorded,
                             settings: recordedSettings)
    }
}
