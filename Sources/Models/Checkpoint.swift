import Backend
import Dataset

/// Model checkpoints as safetensors: the network's `state_dict` (PyTorch names and layouts) plus
/// metadata naming the architecture and its hyper-parameters, so no other file is needed.
public enum Checkpoint {
    /// Writes `network`'s parameters and `extra` metadata (e.g. epoch, losses) to `path` atomically.
    public static func save<B>(_ network: Network<B>, to path: String, extra: [String: String] = [:]) throws {
        let tensors = try network.stateDict().map { (name: $0.name, tensor: Safetensors.Tensor(shape: $0.shape, values: $0.values)) }
        var metadata = network.architecture.metadata
        metadata["format"] = "pt"
        for (k, v) in extra { metadata[k] = v }
        try Safetensors(tensors: tensors, metadata: metadata).write(to: path)
    }

    /// The architecture the tensors themselves fix, recognised from PyTorch's names and shapes (a
    /// `state_dict` saved by PyTorch carries no metadata): the kind of network and, for the
    /// autoencoders, the bottleneck size. Hyper-parameters that live outside the tensors take their
    /// defaults (dropout 0.25, l1 = l2 = 0). Nil when the names match no architecture.
    public static func recognise(_ tensors: [String: Safetensors.Tensor]) -> Architecture? {
        func latent(_ name: String) -> Int? {
            guard let shape = tensors[name]?.shape, shape.count == 2, (1 ... Architecture.maximumLatent).contains(shape[0]) else { return nil }
            return shape[0]
        }
        if tensors["head.fc2.weight"] != nil, tensors["encoder.conv1.weight"] != nil, let d = latent("encoder.fc.weight") {
            return .simclr(features: d)
        }
        if tensors["head.fc2.weight"] != nil, tensors["backbone.conv1.weight"] != nil, let d = latent("backbone.fc.weight") {
            return .simclrCNN(features: d)
        }
        if tensors["encoder.conv1.weight"] != nil, let d = latent("encoder.fc.weight") { return .convAutoencoder(latent: d) }
        if let d = latent("encoder.fc4.weight") { return .denseAutoencoder(latent: d) }
        if tensors["conv1.weight"] != nil, tensors["fc2.weight"] != nil { return .cnn(dropout: 0.25) }
        if tensors["fc.weight"]?.shape == [10, 784] { return .softmax(l1: 0, l2: 0) }
        return nil
    }

    /// The architecture a checkpoint holds: from its metadata (validated), else recognised from
    /// the tensors, else `fallback` (`--arch`).
    public static func architecture(of file: Safetensors, path: String, fallback: Architecture? = nil) throws -> Architecture {
        if let a = try Architecture.parse(metadata: file.metadata, source: path) { return a }
        if let a = recognise(file.byName) { return a }
        if let fallback { return fallback }
        throw DataError("\(path): cannot tell the architecture from the tensor names (\(file.byName.keys.sorted().prefix(4).joined(separator: ", "))...); pass --arch")
    }

    /// Loads a checkpoint into a new network on `backend`. `seed` seeds what is not stored in the
    /// weights (the dropout stream), so a resumed run passes its own seed. Tensors the
    /// architecture does not have are reported through `note` (PyTorch's strict
    /// `load_state_dict` refuses them; fmnist loads the rest and says so).
    public static func load<B>(_ path: String, backend: B, architecture fallback: Architecture? = nil, seed: UInt64 = 0,
                               note: (String) -> Void = { _ in }) throws -> Network<B> {
        let file = try Safetensors.read(path)
        return try load(file, source: path, as: try architecture(of: file, path: path, fallback: fallback), backend: backend, seed: seed, note: note)
    }

    /// Builds `architecture` on `backend` and fills it with `file`'s tensors (each parameter must be
    /// present with its shape); unused tensors are a note naming `source`.
    public static func load<B>(_ file: Safetensors, source: String, as architecture: Architecture, backend: B, seed: UInt64 = 0,
                               note: (String) -> Void = { _ in }) throws -> Network<B> {
        let network = try Network(architecture, backend: backend, seed: seed)
        let tensors = file.byName
        try network.load(tensors.mapValues { ($0.shape, $0.values) }, source: source)
        let used = Set(network.parameters.map(\.name))
        let unused = tensors.keys.filter { !used.contains($0) }.sorted()
        if !unused.isEmpty {
            note("note: \(source): \(unused.count) tensor(s) that \(architecture.name) does not have were not loaded: "
                 + unused.prefix(6).joined(separator: ", ") + (unused.count > 6 ? ", ..." : ""))
        }
        return network
    }
}
