import Dataset
import Foundation
import Imaging

extension Study {
    /// Seed 002's colour quantisation of the Debian photograph at each k, side by side.
    func runQuantize() throws {
        let photo = settings.photograph
        guard FileManager.default.fileExists(atPath: photo) else {
            throw DataError("\(photo) is missing: install Debian's python-matplotlib-data (make deps does)")
        }
        let file = "figures/quantize.png"
        let key = ArtefactKey("quantize", photo, "ks \(settings.quantizeKs)", "seed \(settings.seed)", "build \(BuildIdentity.current)")
        var hit = false
        let result = try cache.record("quantize", key, hit: &hit) { () -> QuantizationRecord in
            let original = try PhotographFile.read(photo)
            progress.start("quantize: K-means on \(original.width * original.height) pixels", total: settings.quantizeKs.count, unit: "k")
            let results = try settings.quantizeKs.enumerated().map { i, k -> ColorQuantizer.Result in
                defer { progress.update(i + 1) }
                return try ColorQuantizer.quantize(original, k: k, seed: settings.seed, backend: backend)
            }
            try AtomicFile.write(Data(try ColorQuantizer.sideBySide(original: original, results: results).cairoPNG()),
                                 to: settings.outputDirectory + "/" + file)
            return QuantizationRecord(image: photo, width: original.width, height: original.height, ks: settings.quantizeKs,
                                      meanSquaredErrors: results.map(\.meanSquaredError), file: file)
        }
        if hit && !FileManager.default.fileExists(atPath: settings.outputDirectory + "/" + file) {
            throw DataError("\(file) is missing though the cache has its record; delete \(cache.directory) or the quantize record to redo it")
        }
        count(hit: hit)
        record.quantization = result
        record.figures.removeAll { $0.file == file }
        record.figures.append(FigureRecord(section: "quantize", file: file, title: "Colour quantisation by K-means",
                                           caption: "The photograph and its K-means quantisations; each pixel takes its cluster centre's colour."))
    }
}
