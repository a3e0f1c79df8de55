/// The models fmnist trains, with their hyper-parameters. Tensor names, layouts and shapes are
/// those of the equivalent `torch.nn.Module`, so a checkpoint loads there with `load_state_dict`.
public enum Architecture: Equatable, Sendable, CustomStringConvertible {
    /// Conv autoencoder: encoder conv 1>32 s2, conv 32>64 s2, fc 3136>latent; decoder fc latent>3136,
    /// deconv 64>32, deconv 32>1, sigmoid. MSE loss.
    case convAutoencoder(latent: Int)
    /// Dense autoencoder 784-500-500-2000-latent and its mirror, sigmoid output. MSE loss.
    case denseAutoencoder(latent: Int)
    /// CNN classifier: conv 1>32 p1, pool, conv 32>64 p1, pool, fc1 3136>128 (the feature layer),
    /// dropout, fc2 128>10. Softmax cross-entropy.
    case cnn(dropout: Float)
    /// Softmax regression: `fc` Linear(784 -> 10) with the elastic-net penalty
    /// `l1 * |W|_1 + l2 / 2 * |W|_2^2` on the weight (not the bias). Softmax cross-entropy.
    case softmax(l1: Float, l2: Float)

    /// The `--arch` name.
    public var name: String {
        switch self {
        case .convAutoencoder: return "conv-ae"
        case .denseAutoencoder: return "dense-ae"
        case .cnn: return "cnn"
        case .softmax: return "softmax"
        }
    }

    /// The elastic-net coefficients `(l1, l2)` on the weights, when the model has them.
    public var elasticNet: (l1: Float, l2: Float)? {
        if case .softmax(let l1, let l2) = self, l1 != 0 || l2 != 0 { return (l1, l2) }
        return nil
    }

    public var isAutoencoder: Bool {
        switch self {
        case .convAutoencoder, .denseAutoencoder: return true
        case .cnn, .softmax: return false
        }
    }

    public var description: String {
        switch self {
        case .convAutoencoder(let d): return "conv-ae (latent \(d))"
        case .denseAutoencoder(let d): return "dense-ae (latent \(d))"
        case .cnn(let p): return "cnn (dropout \(p))"
        case .softmax(let l1, let l2): return "softmax (l1 \(l1), l2 \(l2))"
        }
    }

    /// Hyper-parameters as strings, for checkpoint metadata.
    public var metadata: [String: String] {
        switch self {
        case .convAutoencoder(let d), .denseAutoencoder(let d): return ["fmnist.arch": name, "fmnist.latent": "\(d)"]
        case .cnn(let p): return ["fmnist.arch": name, "fmnist.dropout": "\(p)"]
        case .softmax(let l1, let l2): return ["fmnist.arch": name, "fmnist.l1": "\(l1)", "fmnist.l2": "\(l2)"]
        }
    }

    /// Reads the architecture back from checkpoint metadata; nil when the metadata does not name one.
    public init?(metadata: [String: String]) {
        switch metadata["fmnist.arch"] {
        case "conv-ae": guard let d = metadata["fmnist.latent"].flatMap(Int.init) else { return nil }; self = .convAutoencoder(latent: d)
        case "dense-ae": guard let d = metadata["fmnist.latent"].flatMap(Int.init) else { return nil }; self = .denseAutoencoder(latent: d)
        case "cnn": self = .cnn(dropout: metadata["fmnist.dropout"].flatMap(Float.init) ?? 0.25)
        case "softmax": self = .softmax(l1: metadata["fmnist.l1"].flatMap(Float.init) ?? 0, l2: metadata["fmnist.l2"].flatMap(Float.init) ?? 0)
        default: return nil
        }
    }
}
