import Dataset
import Foundation

/// The models fmnist trains, with their hyper-parameters. Tensor names, layouts and shapes are
/// those of the equivalent `torch.nn.Module`, so a checkpoint loads there with `load_state_dict`.
public enum Architecture: Equatable, Sendable, CustomStringConvertible {
    /// Conv autoencoder: encoder conv 1>32 s2, conv 32>64 s2, fc 3136>latent; decoder fc latent>3136,
    /// deconv 64>32, deconv 32>1, sigmoid. MSE loss.
    case convAutoencoder(latent: Int)
    /// Dense autoencoder 784-500-500-2000-latent and its mirror, sigmoid output, PyTorch's default
    /// initialisation. MSE loss.
    case denseAutoencoder(latent: Int)
    /// The same dense autoencoder as the reference implementations of N2D (McConville et al. 2020,
    /// github.com/rymc/n2d, `autoencoder()`), DEC-Keras and IDEC build it with Keras: the same layers
    /// and tensors as `denseAutoencoder`, but a linear output layer (no sigmoid) and Keras's default
    /// initialisation — Glorot-uniform weights, uniform in `±sqrt(6 / (fanIn + fanOut))`, and zero
    /// biases. MSE loss. `--arch n2d-ae`.
    case n2dAutoencoder(latent: Int)
    /// CNN classifier: conv 1>32 p1, pool, conv 32>64 p1, pool, fc1 3136>128 (the feature layer),
    /// dropout, fc2 128>10. Softmax cross-entropy.
    case cnn(dropout: Float)
    /// Softmax regression: `fc` Linear(784 -> 10) with the elastic-net penalty
    /// `l1 * |W|_1 + l2 / 2 * |W|_2^2` on the weight (not the bias). Softmax cross-entropy.
    case softmax(l1: Float, l2: Float)
    /// SimCLR encoder (Chen, Kornblith, Norouzi and Hinton 2020, "A Simple Framework for Contrastive
    /// Learning of Visual Representations"): the conv autoencoder's encoder trunk (conv 1>32 s2, conv
    /// 32>64 s2) then fc 3136>features and ReLU, the representation `h`; projection head fc
    /// features>features, ReLU, fc features>`projectionSize`, the `z` the NT-Xent loss compares.
    case simclr(features: Int)
    /// SimCLR encoder on the CNN classifier's trunk (`--arch simclr-cnn`): conv 1>32 p1, ReLU, pool,
    /// conv 32>64 p1, ReLU, pool (full resolution before each pooling: 3.1 times the strided encoder's
    /// multiply-adds), then fc 3136>features and ReLU (`h`) and the same projection head. SimCLR's
    /// paper finds contrastive learning gains more from a larger encoder than supervised learning does
    /// (section 4, figure 7). Tensors `backbone.conv1`, `backbone.conv2`, `backbone.fc`, `head.*`.
    case simclrCNN(features: Int)

    /// Every `--arch` name, in the order help texts list them.
    public static let names = "conv-ae, dense-ae, n2d-ae, cnn, softmax, simclr or simclr-cnn"

    /// Whether `other` has the same tensors (names and shapes), so that one's checkpoint holds the
    /// other's weights: the same kind and size, whatever the training-only settings (dropout, elastic
    /// net), and `dense-ae` / `n2d-ae` of one latent size.
    public func hasSameTensors(as other: Architecture) -> Bool {
        switch (self, other) {
        case (.denseAutoencoder(let a), .n2dAutoencoder(let b)), (.n2dAutoencoder(let a), .denseAutoencoder(let b)): return a == b
        case (.cnn, .cnn), (.softmax, .softmax): return true
        default: return self == other
        }
    }

    /// Output size of the SimCLR projection head (`z`).
    public static let projectionSize = 64

    /// The `--arch` name.
    public var name: String {
        switch self {
        case .convAutoencoder: return "conv-ae"
        case .denseAutoencoder: return "dense-ae"
        case .n2dAutoencoder: return "n2d-ae"
        case .cnn: return "cnn"
        case .softmax: return "softmax"
        case .simclr: return "simclr"
        case .simclrCNN: return "simclr-cnn"
        }
    }

    /// What the network is trained for, which fixes its loss: reconstruction (MSE), classification
    /// (softmax cross-entropy over 10 classes) or contrastive (NT-Xent over two augmented views).
    public var task: TrainingTask {
        switch self {
        case .convAutoencoder, .denseAutoencoder, .n2dAutoencoder: return .autoencoder
        case .cnn, .softmax: return .classifier
        case .simclr, .simclrCNN: return .contrastive
        }
    }

    /// The elastic-net coefficients `(l1, l2)` on the weights, when the model has them.
    public var elasticNet: (l1: Float, l2: Float)? {
        if case .softmax(let l1, let l2) = self, l1 != 0 || l2 != 0 { return (l1, l2) }
        return nil
    }

    public var isAutoencoder: Bool { task == .autoencoder }

    public var description: String {
        switch self {
        case .convAutoencoder(let d): return "conv-ae (latent \(d))"
        case .denseAutoencoder(let d): return "dense-ae (latent \(d))"
        case .n2dAutoencoder(let d): return "n2d-ae (latent \(d))"
        case .cnn(let p): return "cnn (dropout \(p))"
        case .softmax(let l1, let l2): return "softmax (l1 \(l1), l2 \(l2))"
        case .simclr(let d): return "simclr (features \(d))"
        case .simclrCNN(let d): return "simclr-cnn (features \(d))"
        }
    }

    /// Hyper-parameters as strings, for checkpoint metadata.
    public var metadata: [String: String] {
        switch self {
        case .convAutoencoder(let d), .denseAutoencoder(let d), .n2dAutoencoder(let d), .simclr(let d), .simclrCNN(let d):
            return ["fmnist.arch": name, "fmnist.latent": "\(d)"]
        case .cnn(let p): return ["fmnist.arch": name, "fmnist.dropout": "\(p)"]
        case .softmax(let l1, let l2): return ["fmnist.arch": name, "fmnist.l1": "\(l1)", "fmnist.l2": "\(l2)"]
        }
    }

    /// The largest bottleneck a checkpoint may declare: well above any useful latent size (the conv
    /// encoder's input is 3,136 values), small enough that building the network cannot exhaust memory.
    public static let maximumLatent = 4096

    /// Reads the architecture back from checkpoint metadata: nil when the metadata names none;
    /// throws when it names one with a value out of range (latent in 1 ... `maximumLatent`, dropout
    /// in [0, 1), finite non-negative l1/l2), naming `source` and the field. Values missing from
    /// the metadata take the `--arch` defaults (dropout 0.25, l1 = l2 = 0).
    public static func parse(metadata: [String: String], source: String) throws -> Architecture? {
        guard let name = metadata["fmnist.arch"] else { return nil }
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) throws -> T? {
            guard let text = metadata[key] else { return nil }
            guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
                throw DataError("\(source): metadata \(key) = '\(text)' is not a number")
            }
            return value
        }
        func latent() throws -> Int {
            guard let d = try number("fmnist.latent", Int.self) else { throw DataError("\(source): metadata fmnist.latent is missing for \(name)") }
            guard (1 ... maximumLatent).contains(d) else {
                throw DataError("\(source): metadata fmnist.latent = \(d) must be between 1 and \(maximumLatent)")
            }
            return d
        }
        func coefficient(_ key: String) throws -> Float {
            let v = try number(key, Float.self) ?? 0
            guard v.isFinite, v >= 0 else { throw DataError("\(source): metadata \(key) = \(v) must be finite and not negative") }
            return v
        }
        switch name {
        case "conv-ae": return .convAutoencoder(latent: try latent())
        case "dense-ae": return .denseAutoencoder(latent: try latent())
        case "n2d-ae": return .n2dAutoencoder(latent: try latent())
        case "cnn":
            let p = try number("fmnist.dropout", Float.self) ?? 0.25
            guard p >= 0, p < 1 else { throw DataError("\(source): metadata fmnist.dropout = \(p) must be in [0, 1)") }
            return .cnn(dropout: p)
        case "softmax": return .softmax(l1: try coefficient("fmnist.l1"), l2: try coefficient("fmnist.l2"))
        case "simclr": return .simclr(features: try latent())
        case "simclr-cnn": return .simclrCNN(features: try latent())
        default: throw DataError("\(source): metadata fmnist.arch = '\(name)' is not \(names)")
        }
    }
}

/// What a network is trained for (`fmnist train TASK`).
public enum TrainingTask: String, Sendable, CaseIterable, Codable {
    case autoencoder, classifier, contrastive
}
