import ArgumentParser
import Dataset
import Foundation

/// Where the data comes from and how it is split; shared by every command that reads Fashion-MNIST.
struct DataOptions: ParsableArguments {
    /// The validation draw every command makes unless told otherwise (`deep-cluster` takes them too).
    static let defaultValFraction = 0.1
    static let defaultSplitSeed: UInt64 = 0

    @Option(help: "Directory with the four Fashion-MNIST IDX files (default: $FMNIST_DATA, else \(FashionMNIST.debianDirectory)).")
    var dataDir: String?

    @Option(name: .customLong("val-fraction"),
            help: "Fraction of each training class held out for validation (seeded, stratified; 0 keeps all 60,000 for training; default: 0.1).")
    var valFractionOption: Double?
    var valFraction: Double { valFractionOption ?? Self.defaultValFraction }

    @Option(name: [.customLong("seed"), .customLong("random-state")],
            help: "Seed of the method's random draws: initialisation, sampling, batches (scikit-learn: random_state; default: 0).")
    var seedOption: UInt64?
    var seed: UInt64 { seedOption ?? 0 }

    /// Throws when `--seed` was typed for a run that draws nothing at random (`reason` says why),
    /// so a seed is never silently ignored.
    func refuseSeed(_ reason: String) throws {
        if let seedOption { throw ValidationError("--seed \(seedOption) does not apply: \(reason)") }
    }

    @Option(name: .customLong("split-seed"),
            help: "Seed of the validation draw (which training images are held out), apart from --seed so that changing a method's seed never changes the images of --split train or val (default: 0).")
    var splitSeedOption: UInt64?
    var splitSeed: UInt64 { splitSeedOption ?? Self.defaultSplitSeed }

    /// Throws when `--val-fraction` or `--split-seed` was typed for images the validation draw does not
    /// choose: `split` test or all, or nil for a file given with `fileFlag` instead of a split; for a file also
    /// when `--limit` or `--data-dir` was typed, since the file is read whole and no data set is opened.
    func refuseDraw(for split: ModelInput.Split?, fileFlag: String = "--input") throws {
        if split == nil {
            for (flag, typed) in [("--limit", limit != nil), ("--data-dir", dataDir != nil)] where typed {
                throw ValidationError("\(flag) applies to a --split; \(fileFlag) (a file) is read whole")
            }
        }
        guard split != .train && split != .val else { return }
        let holder = split.map { "--split \($0.rawValue)" } ?? "\(fileFlag) (a file)"
        for (flag, typed) in [("--val-fraction", valFractionOption != nil), ("--split-seed", splitSeedOption != nil)] where typed {
            throw ValidationError("\(flag) applies to --split train or val; \(holder) holds no validation draw")
        }
    }

    @Option(help: "Keep only the first N images of each split (file order), for quick runs.")
    var limit: Int?

    func validate() throws {
        guard valFraction >= 0, valFraction < 1 else { throw ValidationError("--val-fraction \(valFraction) must be in [0, 1)") }
        if let limit, limit < 1 { throw ValidationError("--limit \(limit) must be at least 1") }
    }

    /// Loads the data set and splits it.
    func load() throws -> (data: FashionMNIST, splits: DataSplits) {
        let data = try FashionMNIST.load(from: FashionMNIST.directory(flag: dataDir))
        let splits = try DataSplits(trainLabels: data.train.labels, testCount: data.test.count,
                                    validationFraction: valFraction, seed: splitSeed, limit: limit)
        return (data, splits)
    }
}
