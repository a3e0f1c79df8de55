import ArgumentParser
import Backend
import Dataset
import Foundation
import Imaging
import Models
import Progress

/// `fmnist reconstruct`: an autoencoder's reconstructions as .npy, and a figure of originals above
/// their reconstructions (one random image per class).
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reconstruct", abstract: "Reconstruct images with an autoencoder; .npy and a PNG grid.")

    @Option(help: "Autoencoder checkpoint (safetensors).")
    var model: String

    @OptionGroup var source: ModelInput

    @Option(help: "Output .npy file: float32 [N, 1, 28, 28].")
    var out: String

    @Option(help: "Also draw one random image per class (originals above reconstructions) to this PNG (needs --split).")
    var png: String?

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "No progress or summary lines.")
    var quiet = false

    @Flag(help: "Print a JSON report (model, images, reconstruction MSE, files, seconds) instead of the summary lines.")
    var json = false

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.npy)
        try OutputPath.check(png, flag: "--png", extensions: ["png"])
        if png != nil && source.input != nil { throw ValidationError("--png needs --split (it picks one image per class)") }
        if png == nil { try source.data.refuseSeed("it draws the images of --png, and there is no --png") }
    }

    struct Report: Codable {
        var model: String, architecture: String, images: String, rows: Int, reconstructionMSE: Double
        var output: String, png: String?, backend: String, seconds: Double
    }

    func run() throws {
        let backend = try backendOptions.open(log: quiet || json ? { _ in } : note)
        try reconstruct(on: backend)
    }

    private func reconstruct<B: ComputeBackend>(on backend: B) throws {
        let start = Date()
        let network = try Checkpoint.load(model, backend: backend, note: note)
        guard network.architecture.isAutoencoder else { throw ValidationError("\(model) is \(network.architecture), not an autoencoder") }
        let (images, _, what) = try source.load(defaultSplit: .test)
        let progress = ProgressReporter.standardError(silent: quiet || json)
        progress.start("reconstruct", total: images.count, unit: "images")
        let output = try network.infer(images.images, count: images.count) { progress.update($0) }
        progress.finish()
        try NPYArray(shape: [images.count, 1, 28, 28], elements: .float32(output)).write(to: out)
        let mse = meanSquaredDifference(images.images, output)
        if let png { try drawPairs(images, output, architecture: network.architecture.description, to: png) }
        if json {
            print(try jsonString(Report(model: model, architecture: network.architecture.description, images: what, rows: images.count,
                                        reconstructionMSE: mse, output: out, png: png, backend: backend.name,
                                        seconds: Date().timeIntervalSince(start))))
        } else if !quiet {
            note("wrote \(out): \(images.count) reconstructions of the \(what), MSE \(String(format: "%.5f", mse))")
            if let png { note("wrote \(png)") }
        }
    }

    /// One random image per class (seeded by `--seed`): originals above their reconstructions.
    private func drawPairs(_ images: LabeledImages, _ output: [Float], architecture: String, to png: String) throws {
        var rng = SplitMix64(seed: source.data.seed &+ 0x5EED)
        var originals: [ArraySlice<Float>] = [], reconstructions: [ArraySlice<Float>] = [], captions: [String] = []
        for c in 0 ..< 10 {
            let members = (0 ..< images.count).filter { images.labels[$0] == Int32(c) }
            guard !members.isEmpty else { continue }
            let i = members[rng.next(below: members.count)]
            originals.append(images.image(i))
            reconstructions.append(output[(i * 784) ..< ((i + 1) * 784)])
            captions.append(FashionMNIST.classNames[c])
        }
        let grid = ImageGrid(title: "\(architecture): originals (top) and reconstructions",
                             rows: [.init(caption: "original", images: originals, imageCaptions: captions),
                                    .init(caption: "reconstructed", images: reconstructions)],
                             imageWidth: 28, imageHeight: 28)
        try grid.write(to: png)
    }
}
