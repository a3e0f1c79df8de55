import Dataset
import Foundation

extension PCA.Model {
    /// Writes the model as safetensors (F32 `mean [d]`, `components [k, d]`, `explained_variance [k]`,
    /// `explained_variance_ratio [k]`; metadata `fmnist.model = pca`, `fmnist.whiten`), atomically,
    /// so `--transform-with` (or scikit-learn, by hand) can project new data the same way.
    public func write(to path: String) throws {
        let tensors: [(name: String, tensor: Safetensors.Tensor)] = [
            ("mean", .init(shape: [dim], values: mean)),
            ("components", .init(shape: [count, dim], values: components)),
            ("explained_variance", .init(shape: [count], values: explainedVariance.map(Float.init))),
            ("explained_variance_ratio", .init(shape: [count], values: explainedVarianceRatio.map(Float.init))),
        ]
        try Safetensors(tensors: tensors, metadata: ["fmnist.model": "pca", "fmnist.whiten": whiten ? "true" : "false"]).write(to: path)
    }

    /// Reads a model written by `write(to:)`; every tensor's presence and shape is checked.
    public init(contentsOf path: String) throws {
        try self.init(file: try Safetensors.read(path), source: path)
    }

    /// The model held by a parsed safetensors file; errors name `path`.
    public init(file: Safetensors, source path: String) throws {
        guard file.metadata["fmnist.model"] == "pca" else { throw DataError("\(path): not a PCA model (metadata fmnist.model is not 'pca')") }
        let t = file.byName
        guard let mean = t["mean"], mean.shape.count == 1, mean.shape[0] >= 1,
              let components = t["components"], components.shape.count == 2, components.shape[1] == mean.shape[0], components.shape[0] >= 1,
              let variance = t["explained_variance"], variance.shape == [components.shape[0]],
              let ratio = t["explained_variance_ratio"], ratio.shape == [components.shape[0]] else {
            throw DataError("\(path): a PCA model needs mean [d], components [k, d], explained_variance [k], explained_variance_ratio [k]")
        }
        guard (mean.values + components.values + variance.values).allSatisfy(\.isFinite), variance.values.allSatisfy({ $0 >= 0 }) else {
            throw DataError("\(path): the PCA model holds non-finite values or negative variances")
        }
        self.init(mean: mean.values, components: components.values, explainedVariance: variance.values.map(Double.init),
                  explainedVarianceRatio: ratio.values.map(Double.init), whiten: file.metadata["fmnist.whiten"] == "true")
    }
}
