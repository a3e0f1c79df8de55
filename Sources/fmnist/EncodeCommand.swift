import ArgumentParser
import Backend
import Dataset
import Foundation
import Models
import Progress

/// `fmnist encode`: the autoencoder's bottleneck or the classifier's fc1 features (or logits) as .npy.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode", abstract: "Write a model's features for a split or an image file as .npy.")

    enum LayerChoice: String, ExpressibleByArgument { case features, logits }

    @Option(help: "Checkpoint (safetensors).")
    var model: String

    @OptionGroup var source: ModelInput

    @Option(help: "features (bottleneck / fc1) or logits (classifier output).")
    var layer: LayerChoice = .features

    @Option(help: "Output .npy file: float32 [N, features].")
    var out: String

    @Option(help: "Also write the labels of a split here (.npy int64, or .csv).")
    var labelsOut: String?

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "No progress or summary lines.")
    var quiet = false

    @Flag(help: "Print a JSON report (model, layer, shape, files, seconds) instead of the summary line.")
    var json = false

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.npy)
        try OutputPath.check(labelsOut, flag: "--labels-out", extensions: OutputPath.labels)
        if labelsOut != nil && source.input != nil { throw ValidationError("--labels-out needs --split (an --input file has no labels)") }
        try source.data.refuseSeed("encoding draws nothing at random")
    }

    struct Report: Codable {
        var model: String, architecture: String, layer: String, images: String, rows: Int, features: Int
        var output: String, labelsOutput: String?, backend: String, seconds: Double
    }

    func run() throws {
        let backend = try backendOptions.open(log: quiet || json ? { _ in } : note)
        try encode(on: backend)
    }

    private func encode<B: ComputeBackend>(on backend: B) throws {
        let start = Date()
        let network = try Checkpoint.load(model, backend: backend, note: note)
        if layer == .logits && network.architecture.task != .classifier {
            throw ValidationError("--layer logits needs a classifier; \(model) is \(network.architecture)")
        }
        let (images, labelled, what) = try source.load(defaultSplit: .test)
        let through = layer == .logits ? network.layers.count - 1 : network.featureLayer
        let progress = ProgressReporter.standardError(silent: quiet || json)
        progress.start("encode", total: images.count, unit: "images")
        let codes = try network.infer(images.images, count: images.count, through: through) { progress.update($0) }
        progress.finish()
        let width = codes.count / max(1, images.count)
        try NPYArray(shape: [images.count, width], elements: .float32(codes)).write(to: out)
        if let labelsOut, labelled { try LabelFile.write(images.labels.map(Int64.init), to: labelsOut) }
        if json {
            print(try jsonString(Report(model: model, architecture: network.architecture.description, layer: layer.rawValue, images: what,
                                        rows: images.count, features: width, output: out, labelsOutput: labelsOut, backend: backend.name,
                                        seconds: Date().timeIntervalSince(start))))
        } else if !quiet {
            note("wrote \(out): \(images.count) x \(width) \(layer.rawValue) of the \(what)")
        }
    }
}
