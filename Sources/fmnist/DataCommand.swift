import ArgumentParser
import Dataset
import Foundation
import Imaging

/// `fmnist data`: what the data set holds, and two pictures of it.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Load Fashion-MNIST, print counts per class and pixel statistics, draw samples and the label distribution.")

    @OptionGroup var data: DataOptions

    @Option(help: "Directory for the figures (created if missing).")
    var outDir: String = "out"

    @Option(help: "Random training images per class in the sample grid.")
    var perClass: Int = 10

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Print only the file paths written.")
    var quiet = false

    func validate() throws {
        guard (1 ... 100).contains(perClass) else { throw ValidationError("--per-class \(perClass) must be between 1 and 100") }
        try OutputPath.checkDirectory(outDir, flag: "--out-dir")
    }

    struct Report: Codable {
        var dataDirectory: String
        var loadSeconds: Double
        var classes: [String]
        var train: SplitStatistics
        var validation: SplitStatistics
        var test: SplitStatistics
        var samplesPNG: String
        var labelsPNG: String
    }

    func run() throws {
        let start = Date()
        let (set, splits) = try data.load()
        let loadSeconds = Date().timeIntervalSince(start)
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let train = SplitStatistics(set.train, indices: splits.train)
        let validation = SplitStatistics(set.train, indices: splits.validation)
        let test = SplitStatistics(set.test, indices: splits.test)

        let samplesPath = URL(fileURLWithPath: outDir).appendingPathComponent("data-samples.png").path
        let labelsPath = URL(fileURLWithPath: outDir).appendingPathComponent("data-labels.png").path
        try sampleGrid(set.train, indices: splits.train).write(to: samplesPath)
        let chart = BarChart(title: "Fashion-MNIST: images per class", categories: FashionMNIST.classNames,
                             series: [("train", train.perClass.map(Double.init)), ("validation", validation.perClass.map(Double.init)),
                                      ("test", test.perClass.map(Double.init))])
        try chart.write(to: labelsPath)

        let report = Report(dataDirectory: FashionMNIST.directory(flag: data.dataDir), loadSeconds: loadSeconds,
                            classes: FashionMNIST.classNames, train: train, validation: validation, test: test,
                            samplesPNG: samplesPath, labelsPNG: labelsPath)
        if json { print(try jsonString(report)); return }
        if quiet { print(samplesPath); print(labelsPath); return }
        print("Fashion-MNIST from \(report.dataDirectory), loaded in \(String(format: "%.2f", loadSeconds)) s "
            + "(validation fraction \(data.valFraction), split seed \(data.splitSeed)\(data.limit.map { ", limit \($0)" } ?? ""))")
        print("class".padding(toLength: 14, withPad: " ", startingAt: 0) + pad("train") + pad("validation") + pad("test"))
        for (c, name) in FashionMNIST.classNames.enumerated() {
            print("\(c) \(name)".padding(toLength: 14, withPad: " ", startingAt: 0)
                + pad("\(train.perClass[c])") + pad("\(validation.perClass[c])") + pad("\(test.perClass[c])"))
        }
        print("total".padding(toLength: 14, withPad: " ", startingAt: 0) + pad("\(train.count)") + pad("\(validation.count)") + pad("\(test.count)"))
        print("pixel mean".padding(toLength: 14, withPad: " ", startingAt: 0)
            + pad(String(format: "%.4f", train.pixelMean)) + pad(String(format: "%.4f", validation.pixelMean)) + pad(String(format: "%.4f", test.pixelMean)))
        print("pixel std".padding(toLength: 14, withPad: " ", startingAt: 0)
            + pad(String(format: "%.4f", train.pixelStd)) + pad(String(format: "%.4f", validation.pixelStd)) + pad(String(format: "%.4f", test.pixelStd)))
        print("wrote \(samplesPath)")
        print("wrote \(labelsPath)")
    }

    private func pad(_ s: String) -> String { String(repeating: " ", count: max(1, 12 - s.count)) + s }

    /// One row per class of `perClass` random images from `indices` (seeded by --seed).
    private func sampleGrid(_ images: LabeledImages, indices: [Int]) -> ImageGrid {
        var generator = SplitMix64(seed: data.seed &+ 0x1234_5678)
        let rows = FashionMNIST.classNames.enumerated().map { c, name -> ImageGrid.Row in
            var members = indices.filter { images.labels[$0] == Int32(c) }
            generator.shuffle(&members)
            return ImageGrid.Row(caption: name, images: members.prefix(perClass).map { images.image($0) })
        }
        return ImageGrid(title: "Fashion-MNIST: \(perClass) random training images per class (seed \(data.seed))",
                         rows: rows, imageWidth: images.width, imageHeight: images.height)
    }
}
