import ArgumentParser
import Backend
import Dataset
import Foundation
import Imaging
import Models
import Progress

/// `fmnist test`: a classifier's accuracy, per-class and macro precision / recall / F1 and confusion
/// matrix (CSV and PNG); an autoencoder's reconstruction MSE.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Evaluate a checkpoint on a split.")

    @Option(help: "Checkpoint (safetensors).")
    var model: String

    @OptionGroup var source: ModelInput

    @Option(help: "Directory for the confusion matrix CSV and PNG (classifiers).")
    var outDir: String = "out"

    @Option(help: ArgumentHelp("Classifiers: write each image's predicted class (the largest output) here (.npy of int64, or .csv); "
        + "with --input, only this is written (the images have no labels to score against)."))
    var predictions: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "No progress lines (the scores are still printed).")
    var quiet = false

    @OptionGroup var backendOptions: BackendOptions

    struct Report: Codable {
        var model: String, architecture: String, images: Int
        var reconstructionMSE: Double?
        var classification: ClassificationReport?
        var confusionCSV: String?, confusionPNG: String?, predictions: String?
    }

    func validate() throws {
        try OutputPath.checkDirectory(outDir, flag: "--out-dir")
        if let predictions { try OutputPath.check(predictions, flag: "--predictions", extensions: ["npy", "csv"]) }
        try source.data.refuseSeed("testing draws nothing at random")
    }

    func run() throws {
        let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
        try test(on: backend)
    }

    private func test<B: ComputeBackend>(on backend: B) throws {
        let file = try Safetensors.read(model)
        let network = try Checkpoint.load(file, source: model, as: try Checkpoint.architecture(of: file, path: model), backend: backend, note: note)
        guard network.architecture.task != .contrastive else {
            throw ValidationError("\(model) is a contrastive encoder (\(network.architecture)): it has no test metric; "
                + "`fmnist encode` writes its representation and `fmnist deep-cluster --method n2d|scan` clusters it")
        }
        if network.architecture.isAutoencoder && predictions != nil {
            throw ValidationError("--predictions writes a classifier's classes; \(model) is an autoencoder (\(network.architecture))")
        }
        if !network.architecture.isAutoencoder && source.input != nil && predictions == nil {
            throw ValidationError("testing a classifier needs --split (an --input file has no labels), or --predictions to write its classes")
        }
        let (images, labelled, what) = try source.load(defaultSplit: .test)
        if let held = source.heldOutNote(model: model, metadata: file.metadata, defaultSplit: .test) { note(held) }
        let progress = ProgressReporter.standardError(silent: json || quiet)
        progress.start("test", total: images.count, unit: "images")
        let output = try network.infer(images.images, count: images.count) { progress.update($0) }
        progress.finish()
        var report = Report(model: model, architecture: network.architecture.description, images: images.count)
        if network.architecture.isAutoencoder {
            report.reconstructionMSE = meanSquaredDifference(images.images, output)
        } else {
            let predicted = (0 ..< images.count).map { r -> Int32 in
                let row = output[(r * 10) ..< ((r + 1) * 10)]
                return Int32(row.firstIndex(of: row.max()!)! - r * 10)
            }
            if let predictions {
                try LabelFile.write(predicted.map(Int64.init), to: predictions)
                report.predictions = predictions
            }
            guard labelled else {
                if json { print(try jsonString(report)) } else { print("wrote the predicted classes of \(images.count) images to \(predictions!)") }
                return
            }
            let classification = ClassificationReport(truth: images.labels, predicted: predicted, classes: 10)
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let csv = URL(fileURLWithPath: outDir).appendingPathComponent("confusion.csv").path
            let png = URL(fileURLWithPath: outDir).appendingPathComponent("confusion.png").path
            try AtomicFile.write(Data(classification.confusionCSV(classNames: FashionMNIST.classNames).utf8), to: csv)
            let heatmap = Heatmap(title: "Confusion matrix (rows: true, columns: predicted), \(what)", rowLabels: FashionMNIST.classNames,
                                  values: classification.confusion.map { $0.map(Double.init) })
            try heatmap.write(to: png)
            (report.classification, report.confusionCSV, report.confusionPNG) = (classification, csv, png)
        }
        if json { print(try jsonString(report)); return }
        print("\(network.architecture) on the \(what) (\(images.count) images)")
        if let mse = report.reconstructionMSE { print("reconstruction MSE \(String(format: "%.5f", mse))") }
        if let c = report.classification {
            print("accuracy \(String(format: "%.4f", c.accuracy))")
            print("class".padding(toLength: 14, withPad: " ", startingAt: 0) + "precision    recall        F1")
            for (i, name) in FashionMNIST.classNames.enumerated() {
                print(name.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(format: "%9.4f %9.4f %9.4f", c.precision[i], c.recall[i], c.f1[i]))
            }
            print("macro".padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%9.4f %9.4f %9.4f", c.macroPrecision, c.macroRecall, c.macroF1))
            print("wrote \(report.confusionCSV!) and \(report.confusionPNG!)" + (predictions.map { " and \($0)" } ?? ""))
        }
    }
}
