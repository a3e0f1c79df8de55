import Dataset

/// The architecture a `train` command line asks for. Nil fields were not typed, so a checkpoint
/// or a default may fill them; a typed value is never silently replaced.
///
/// Three ways to resolve it: fresh (defaults: conv-ae / cnn / simclr, latent 10 (simclr: 128 features),
/// dropout 0.25, l1 = l2 = 0),
/// from `--init FILE` (the tensors fix the kind and the bottleneck; everything else comes from the
/// command line with the fresh defaults), or from `--resume` (the checkpoint's own architecture;
/// a typed value that differs is an error, since a resumed run continues exactly).
public struct ArchitectureRequest: Sendable {
    /// `--arch`: conv-ae, dense-ae, n2d-ae, cnn, softmax, simclr or simclr-cnn.
    public var name: String?
    /// `train autoencoder`, `train classifier` or `train contrastive`.
    public var task: TrainingTask
    public var latent: Int?
    public var dropout: Float?
    public var l1: Float?
    public var l2: Float?

    public static let defaultLatent = 10
    public static let defaultDropout: Float = 0.25
    /// SimCLR's representation size (its `--latent` default).
    public static let defaultFeatures = 128

    public init(name: String?, task: TrainingTask, latent: Int? = nil, dropout: Float? = nil, l1: Float? = nil, l2: Float? = nil) {
        (self.name, self.task, self.latent, self.dropout, self.l1, self.l2) = (name, task, latent, dropout, l1, l2)
    }

    /// The architecture with every untyped value at its default; throws on an unknown `--arch`
    /// or one that does not fit the task.
    public func fresh() throws -> Architecture {
        let chosen = name ?? [TrainingTask.autoencoder: "conv-ae", .classifier: "cnn", .contrastive: "simclr"][task]!
        let d = latent ?? Self.defaultLatent
        switch (task, chosen) {
        case (.autoencoder, "conv-ae"): return .convAutoencoder(latent: d)
        case (.autoencoder, "dense-ae"): return .denseAutoencoder(latent: d)
        case (.autoencoder, "n2d-ae"): return .n2dAutoencoder(latent: d)
        case (.classifier, "cnn"): return .cnn(dropout: dropout ?? Self.defaultDropout)
        case (.classifier, "softmax"): return .softmax(l1: l1 ?? 0, l2: l2 ?? 0)
        case (.contrastive, "simclr"): return .simclr(features: latent ?? Self.defaultFeatures)
        case (.contrastive, "simclr-cnn"): return .simclrCNN(features: latent ?? Self.defaultFeatures)
        case (_, "conv-ae"), (_, "dense-ae"), (_, "n2d-ae"), (_, "cnn"), (_, "softmax"), (_, "simclr"), (_, "simclr-cnn"):
            throw DataError("--arch \(chosen) does not fit `train \(task.rawValue)`")
        default:
            throw DataError("--arch '\(chosen)' is unknown; use \(Architecture.names)")
        }
    }

    /// Throws one line when a typed hyper-parameter has no meaning for `architecture` (the one the
    /// command resolved: fresh, from `--init` or from `--resume`), which would otherwise be ignored:
    /// `--latent` belongs to the autoencoders and SimCLR encoders, `--dropout` to cnn, `--l1`/`--l2` to softmax.
    public func checkTypedValuesApply(to architecture: Architecture) throws {
        let owners: [(flag: String, typed: Bool, architectures: [String])] = [
            ("--latent", latent != nil, ["conv-ae", "dense-ae", "n2d-ae", "simclr", "simclr-cnn"]),
            ("--dropout", dropout != nil, ["cnn"]), ("--l1", l1 != nil, ["softmax"]), ("--l2", l2 != nil, ["softmax"]),
        ]
        for owner in owners where owner.typed && !owner.architectures.contains(architecture.name) {
            throw DataError("\(owner.flag) applies to \(owner.architectures.joined(separator: ", ")), not \(architecture.name)")
        }
    }

    /// For `--init`: the kind and bottleneck from `file`'s tensors (its metadata when the tensor
    /// names are not recognised), the other hyper-parameters from this request as `fresh()` would
    /// set them. A typed `--arch`, `--latent` or task that contradicts the tensors is an error
    /// naming both; a stored hyper-parameter that differs from the one used is a note.
    public func initialising(from file: Safetensors, path: String) throws -> (architecture: Architecture, notes: [String]) {
        let stored = try Architecture.parse(metadata: file.metadata, source: path)
        let recognised = Checkpoint.recognise(file.byName)
        // The metadata tells apart what the tensors cannot (dense-ae from n2d-ae); where the two
        // disagree on the tensors, the tensors win.
        var weights = recognised
        if let stored, recognised.map({ stored.hasSameTensors(as: $0) }) ?? true { weights = stored }
        guard let weights else {
            if name != nil { return (try fresh(), []) }
            throw DataError("\(path): cannot tell the architecture from the tensor names; pass --arch")
        }
        guard weights.task == task else {
            throw DataError("--init \(path) holds \(weights.name) weights, which `train \(task.rawValue)` cannot start from")
        }
        var request = self
        request.name = name ?? weights.name
        switch weights {
        case .convAutoencoder(let d), .denseAutoencoder(let d), .n2dAutoencoder(let d), .simclr(let d), .simclrCNN(let d):
            if let latent, latent != d {
                throw DataError("--latent \(latent) contradicts --init \(path), whose encoder has a \(d)-d bottleneck")
            }
            request.latent = d
        case .cnn, .softmax: break
        }
        // A typed --arch may differ from the file's only where the tensors are the same (dense-ae, n2d-ae).
        guard let architecture = try? request.fresh(), architecture.hasSameTensors(as: weights) else {
            throw DataError("--arch \(request.name ?? "") contradicts --init \(path), which holds \(weights.name) weights")
        }
        var notes: [String] = []
        if let stored, stored != architecture, stored.name == architecture.name {
            notes.append("note: --init \(path) was trained as \(stored); training \(architecture) "
                + "(--init takes only the weights; hyper-parameters come from the command line)")
        } else if weights.name != architecture.name {
            notes.append("note: --init \(path) holds \(weights.name) weights; training them as \(architecture) (--arch)")
        }
        return (architecture, notes)
    }

    /// For `--resume`: the checkpoint's architecture; any typed value that differs is an error.
    public func resuming(_ file: Safetensors, path: String) throws -> Architecture {
        let held = try Checkpoint.architecture(of: file, path: path, fallback: try fresh())
        var typed = held
        switch held {
        case .convAutoencoder(let d): typed = .convAutoencoder(latent: latent ?? d)
        case .denseAutoencoder(let d): typed = .denseAutoencoder(latent: latent ?? d)
        case .n2dAutoencoder(let d): typed = .n2dAutoencoder(latent: latent ?? d)
        case .cnn(let p): typed = .cnn(dropout: dropout ?? p)
        case .softmax(let a, let b): typed = .softmax(l1: l1 ?? a, l2: l2 ?? b)
        case .simclr(let d): typed = .simclr(features: latent ?? d)
        case .simclrCNN(let d): typed = .simclrCNN(features: latent ?? d)
        }
        if let name, name != held.name { typed = try fresh() }
        guard typed == held, held.task == task else {
            throw DataError("--resume: \(path) holds \(held), but the command line asks for \(task == held.task ? typed.description : task.rawValue)")
        }
        return held
    }
}
