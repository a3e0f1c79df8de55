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

    /// The architecture a checkpoint holds: from its metadata, else recognised from tensor names and
    /// shapes (a `state_dict` saved by PyTorch carries no metadata), else `fallback` (`--arch`).
    public static func architecture(of file: Safetensors, path: String, fallback: Architecture? = nil) throws -> Architecture {
        if let a = Architecture(metadata: file.metadata) { return a }
        let t = file.byName
        if let fc = t["encoder.fc.weight"], t["encoder.conv1.weight"] != nil, fc.shape.count == 2 { return .convAutoencoder(latent: fc.shape[0]) }
        if let fc4 = t["encoder.fc4.weight"], fc4.shape.count == 2 { return .denseAutoencoder(latent: fc4.shape[0]) }
        if t["conv1.weight"] != nil, t["fc2.weight"] != nil { return .cnn(dropout: 0.25) }
        if t.count == 2, t["fc.weight"]?.shape == [10, 784] { return .softmax(l1: 0, l2: 0) }
        if let fallback { return fallback }
        throw DataError("\(path): cannot tell the architecture from the tensor names (\(t.keys.sorted().prefix(4).joined(separator: ", "))...); pass --arch")
    }

    /// Loads a checkpoint into a new network on `backend`. `seed` seeds what is not stored in the
    /// weights (the dropout stream), so a resumed run passes its own seed.
    public static func load<B>(_ path: String, backend: B, architecture fallback: Architecture? = nil, seed: UInt64 = 0) throws -> Network<B> {
        let file = try Safetensors.read(path)
        let architecture = try architecture(of: file, path: path, fallback: fallback)
        let network = try Network(architecture, backend: backend, seed: seed)
        try network.load(file.byName.mapValues { ($0.shape, $0.values) }, source: path)
        return network
    }
}
