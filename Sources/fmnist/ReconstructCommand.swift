import ArgumentParser
import Backend
import Dataset
import Foundation
import Imaging
import Models

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

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.npy)
        try OutputPath.check(png, flag: "--png", extensions: ["png"])
        if png == nil { try source.data.refuseSeed("it draws the images of --png, and there is no --png") }
    }

    func run() throws {
        let backend = try backendOptions.open(log: note)
        try reconstruct(on: backend)
    }

    private func reconstruct<B: ComputeBackend>(on backend: B) throws {
        let network = try Checkpoint.load(model, backend: backend, note: note)
        guard network.architecture.isAutoencoder else { throw ValidationError("\(model) is \(network.architecture), not an autoencoder") }
        let (images, labelled, what) = try source.load(defaultSplit: .test)
        let output = try network.infer(images.images, count: images.count)
        try NPYArray(shape: [images.count, 1, 28, 28], elements: .float32(output)).write(to: out)
        let mse = meanSquaredDifference(images.images, output)
        note("wrote \(out): \(images.count) reconstructions of the \(what), MSE \(String(format: "%.5f", mse))")
        guard let png else { return }
        guard labelled else { throw ValidationError("--png needs --split (it picks one image per class)") }
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
        let grid = ImageGrid(title: "\(network.architecture): originals (top) and reconstructions",
                             rows: [.init(caption: "original", images: originals, imageCaptions: captions),
                                    .init(caption: "reconstructed", images: reconstructions)],
                             imageWidth: 28, imageHeight: 28)
        try grid.write(to: png)
        note("wrote \(png)")
    }
}
