import ArgumentParser
import Backend
import Dataset
import Foundation
import Imaging
import Study

/// `fmnist quantize`: colour quantisation of a photograph by K-means on its RGB pixels (seed 002).
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize", abstract: "Reduce a photograph to k colours by K-means on its RGB pixels.",
        discussion: "Writes DIR/quantized-kK.png for each k and DIR/quantized.png with the original and every result side by side.")

    @Argument(help: "The photograph (PNG or JPEG).")
    var image: String

    @Option(help: "Colour counts, comma-separated.")
    var k: String = "5,10,100"

    @Option(help: "Output directory.")
    var outDir: String = "out/quantize"

    @Option(name: [.customLong("seed"), .customLong("random-state")], help: "Seed of k-means++.")
    var seed: UInt64 = 0

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    var ks: [Int] {
        get throws {
            let parts = k.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = try parts.map { part -> Int in
                guard let v = Int(part), v >= 1 else { throw ValidationError("--k '\(k)': '\(part)' is not a colour count of at least 1") }
                return v
            }
            guard !values.isEmpty else { throw ValidationError("--k names no colour count") }
            return values
        }
    }

    func validate() throws {
        _ = try ks
        guard FileManager.default.fileExists(atPath: image) else { throw ValidationError("\(image): no such file") }
        try OutputPath.checkDirectory(outDir, flag: "--out-dir")
    }

    struct Report: Codable {
        struct Entry: Codable { var k: Int, colours: Int, meanSquaredError: Double, iterations: Int, file: String }
        var image: String, width: Int, height: Int, results: [Entry], sideBySide: String
    }

    func run() throws {
        // The image is read and checked before any backend starts.
        let original: Raster
        do { original = try PhotographFile.read(image) } catch let error as DataError { throw ValidationError(error.description) }
        let pixels = original.width * original.height
        for k in try ks where k > pixels { throw ValidationError("--k \(k) is more than the image's \(pixels) pixels") }
        let backend = try backendOptions.open(log: quiet || json ? { _ in } : note)
        try quantize(original, on: backend)
    }

    private func quantize<B: ComputeBackend>(_ original: Raster, on backend: B) throws {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        var results: [ColorQuantizer.Result] = []
        var entries: [Report.Entry] = []
        for k in try ks {
            let start = Date()
            let result = try ColorQuantizer.quantize(original, k: k, seed: seed, backend: backend)
            let file = "\(outDir)/quantized-k\(k).png"
            try PNGFile.write(result.image, to: file)
            results.append(result)
            entries.append(.init(k: k, colours: result.colours, meanSquaredError: result.meanSquaredError, iterations: result.iterations, file: file))
            if !quiet && !json {
                note(String(format: "k %d: mean squared error %.2f per channel, %d iterations, %.2f s; wrote %@", k, result.meanSquaredError,
                            result.iterations, Date().timeIntervalSince(start), file))
            }
            if result.colours < k && !json {
                note("note: k \(k) gave \(result.colours) distinct colours: the photograph has \(ColorQuantizer.distinctColours(original))")
            }
        }
        let sideBySide = "\(outDir)/quantized.png"
        try ColorQuantizer.sideBySide(original: original, results: results).write(to: sideBySide)
        if json {
            print(try jsonString(Report(image: image, width: original.width, height: original.height, results: entries, sideBySide: sideBySide)))
        } else if !quiet {
            print("quantized \(image) (\(original.width) x \(original.height)) with k = \(try ks.map(String.init).joined(separator: ", ")); wrote \(sideBySide)")
        }
    }
}
