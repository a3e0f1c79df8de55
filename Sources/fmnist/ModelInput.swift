import ArgumentParser
import Dataset
import Foundation

/// The images a model command works on: a split of Fashion-MNIST (`--split`) or a `.npy` file
/// (`--input`, float32 `[N, 784]` or `[N, 1, 28, 28]` in [0, 1]).
struct ModelInput: ParsableArguments {
    /// `train` and `val`: the seeded validation draw's two parts of the training images; `test`; `all`:
    /// every image in file order, the training images (whatever the draw) then the test images — the
    /// order `deep-cluster --split all` and `train --images all` use, and the papers score in.
    enum Split: String, ExpressibleByArgument, CaseIterable { case train, val, test, all }

    @Option(help: "Split to use: train, val, test or all (the training images, then the test images, in file order).")
    var split: Split?

    @Option(help: "Images as a .npy file: float32 [N, 784] or [N, 1, 28, 28] in [0, 1].")
    var input: String?

    @OptionGroup var data: DataOptions

    init() {}

    /// A source built in code (for commands that pick the split themselves).
    init(split: Split?, input: String?, data: DataOptions) {
        self.split = split
        self.input = input
        self.data = data
    }

    func validate() throws {
        if split != nil && input != nil { throw ValidationError("give --split or --input, not both") }
        if let input, !FileManager.default.fileExists(atPath: input) { throw ValidationError("--input \(input): no such file") }
        // Every command with these options reads the test split when given neither.
        try data.refuseDraw(for: input == nil ? split ?? .test : nil)
    }

    /// A note when a score on this command's images would not be held out from the checkpoint whose
    /// metadata is given (`train` records what it trained on): `--split all`, a model trained on every
    /// image, or a `--split val` that is not the validation part the model held out. Nil when nothing is
    /// recorded (other tools' checkpoints) or the images are held out.
    func heldOutNote(model: String, metadata: [String: String], defaultSplit: Split) -> String? {
        guard input == nil, let trainedOn = metadata["fmnist.trained_on"] else { return nil }
        let chosen = split ?? defaultSplit
        if chosen == .train { return nil }  // training images, as asked
        if chosen == .all { return "note: --split all holds images \(model) trained on: this is not a held-out score" }
        if trainedOn == "all" { return "note: \(model) trained on the test images too (--images all): this is not a held-out score" }
        guard chosen == .val, let fraction = metadata["fmnist.val_fraction"].flatMap(Double.init),
              let seed = metadata["fmnist.split_seed"].flatMap(UInt64.init), fraction != data.valFraction || seed != data.splitSeed else {
            return nil
        }
        return "note: \(model) held out --val-fraction \(fraction) --split-seed \(seed); this --split val (--val-fraction "
            + "\(data.valFraction) --split-seed \(data.splitSeed)) holds images it trained on"
    }

    /// Pixels in [0, 1] from an `--input` array: float32 as they are, float64 rounded to float32, and
    /// uint8 intensities (0-255, e.g. Keras' `fashion_mnist.load_data()`) converted as the IDX files are
    /// (`LabeledImages.pixels(fromBytes:)`), so the same images give the same floats as `--split`.
    static func pixels(_ array: NPYArray, name: String) throws -> [Float] {
        switch array.elements {
        case .float32(let values): return values
        case .float64(let values): return values.map(Float.init)
        case .uint8(let values): return LabeledImages.pixels(fromBytes: values)
        default:
            throw ValidationError("--input \(name): dtype \(array.elements.descr) is not float32, float64 or uint8")
        }
    }

    /// The images (and labels when they come from a split), `[count, 784]`.
    func load(defaultSplit: Split) throws -> (images: LabeledImages, labelled: Bool, description: String) {
        if let input {
            let array = try NPYArray.read(input)
            let shapes: [[Int]] = [[784], [28, 28], [1, 28, 28]]
            guard array.shape.count >= 2, shapes.contains(Array(array.shape[1...])) else {
                throw ValidationError("--input \(input): shape \(array.shape) is none of [N, 784], [N, 28, 28] and [N, 1, 28, 28]")
            }
            let values = try Self.pixels(array, name: input)
            if let bad = values.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw ValidationError("--input \(input): value \(values[bad]) at index \(bad) is outside [0, 1]")
            }
            let count = array.shape[0]
            return (LabeledImages(images: values, labels: [Int32](repeating: -1, count: count), height: 28, width: 28), false, input)
        }
        let (set, splits) = try data.load()
        let chosen = split ?? defaultSplit
        if (chosen == .train && splits.train.isEmpty) || (chosen == .val && splits.validation.isEmpty) {
            throw ValidationError("--split \(chosen.rawValue) holds no images with --val-fraction \(data.valFraction)")
        }
        switch chosen {
        case .train: return (set.train.subset(splits.train), true, "train split")
        case .val: return (set.train.subset(splits.validation), true, "validation split")
        case .test: return (set.test.subset(splits.test), true, "test split")
        case .all:
            return (set.allImages(limit: data.limit), true, "all images (training, then test)")
        }
    }
}
