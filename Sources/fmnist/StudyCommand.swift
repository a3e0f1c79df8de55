import ArgumentParser
import Backend
import Dataset
import Foundation
import Progress
import Study

/// `fmnist study`: the whole study of the seeds in one resumable command, ending in an HTML report.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the whole Fashion-MNIST clustering study and write an HTML report.",
        discussion: "Data, models (conv and dense autoencoders, CNN, softmax regression), features (pixels, PCA, NMF, UMAP, codes), "
            + "every clustering method on every feature set scored against the classes, their interpretation, 2-D views, colour "
            + "quantisation, and OUT-DIR/report.html with results.csv and results.json. Artefacts are cached under OUT-DIR/cache by a "
            + "hash of their inputs, their settings and the fmnist build: a re-run, or a run resumed after an interruption, recomputes "
            + "only what is missing; another build recomputes everything.")

    @Option(help: "quick: the 10,000 test images, short training, a reduced grid (minutes); full: all 70,000 images and the seeds' grid.")
    var profile: StudyProfile.Name = .quick

    @Option(help: "Where the report, the tables, the figures and the cache go.")
    var outDir: String = "out/study"

    @Option(help: "Directory with the four Fashion-MNIST IDX files (default: $FMNIST_DATA, else \(FashionMNIST.debianDirectory)).")
    var dataDir: String?

    @Option(name: [.customLong("seed"), .customLong("random-state")], help: "Seed of every random choice (scikit-learn: random_state).")
    var seed: UInt64 = 0

    @Option(help: "Run only these stages (comma-separated: \(StudyStage.allCases.map(\.rawValue).joined(separator: ","))), with what they need (from the cache when it is there).")
    var only: String?

    @Option(help: "The colour photograph the quantize stage reduces (PNG or JPEG).")
    var photograph: String = ColorQuantizer.debianPhotograph

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Print results.json's summary as JSON at the end instead of text.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    var stages: Set<StudyStage>? {
        get throws {
            guard let only else { return nil }
            var set = Set<StudyStage>()
            for name in only.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let stage = StudyStage(rawValue: name) else {
                    throw ValidationError("--only: '\(name)' is not a stage (\(StudyStage.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                set.insert(stage)
            }
            guard !set.isEmpty else { throw ValidationError("--only names no stage") }
            return set
        }
    }

    func validate() throws {
        let quantizing = try stages?.contains(.quantize) ?? true
        if !quantizing && photograph != ColorQuantizer.debianPhotograph {
            throw ValidationError("--photograph applies to the quantize stage, which --only \(only ?? "") leaves out")
        }
        guard FileManager.default.fileExists(atPath: photograph) || !quantizing else {
            throw ValidationError("--photograph \(photograph): no such file" + (photograph == ColorQuantizer.debianPhotograph
                ? " (install Debian's python-matplotlib-data, as `make deps` does, or pass --photograph)" : ""))
        }
        try OutputPath.checkDirectory(outDir, flag: "--out-dir")
    }

    struct Summary: Codable {
        var report: String, results: String, seconds: Double, stages: [StageRecord], best: [ResultRow]
    }

    func run() throws {
        let log: (String) -> Void = quiet || json ? { _ in } : note
        let backend = try backendOptions.open(log: log)
        try study(on: backend, log: log)
    }

    private func study<B: ComputeBackend>(on backend: B, log: @escaping (String) -> Void) throws {
        var settings = StudySettings(profile: .named(profile), outputDirectory: outDir, dataDirectory: FashionMNIST.directory(flag: dataDir))
        (settings.seed, settings.only, settings.photograph) = (seed, try stages, photograph)
        let progress = ProgressReporter.standardError(silent: quiet || json)
        log("study: \(profile.rawValue) profile, output in \(outDir)")
        let study = try Study(backend: backend, settings: settings, progress: progress, note: log)
        let record = try study.run()
        let scored = ResultsTable.ranked(record.rows).filter { $0.ami != nil }
        let best = Array((scored.filter { !$0.supervised }.prefix(3) + scored.filter(\.supervised).prefix(2)))
        let failures = record.stages.filter { !$0.failures.isEmpty }
        if json {
            print(try jsonString(Summary(report: outDir + "/report.html", results: outDir + "/results.json", seconds: record.seconds,
                                         stages: record.stages, best: best)))
        } else {
            print("study: \(record.rows.count) pipelines in \(ProgressReporter.formatDuration(record.seconds)); report: \(outDir)/report.html")
            for row in best {
                print(String(format: "  %@: ARI %.3f  AMI %.3f  NMI %.3f  accuracy %.3f%@", row.pipeline, row.ari ?? .nan, row.ami ?? .nan,
                             row.nmi ?? .nan, row.accuracy ?? .nan, row.supervised ? "  (CNN features: learned with the labels)" : ""))
            }
        }
        if !failures.isEmpty {
            throw ValidationError("study: \(failures.map { "\($0.name) (\($0.failures.count) failed: \($0.failures[0]))" }.joined(separator: "; ")); "
                + "the report lists them and keeps everything else")
        }
    }
}

extension StudyProfile.Name: ExpressibleByArgument {}
