import Backend
import Dataset
import Foundation
import Models
import Progress

/// The stages of the study, in the order they run. Each writes its artefacts to the cache and its
/// part of the record; a stage that fails is recorded (report and JSON) and the others still run.
public enum StudyStage: String, CaseIterable, Codable, Sendable {
    case data, models, features, clustering, interpretation, views, quantize, report
}

/// What a study run is asked to do.
public struct StudySettings: Sendable {
    public var profile: StudyProfile
    public var outputDirectory: String
    public var dataDirectory: String
    public var seed: UInt64 = 0
    /// Stages to run (with what they need, from the cache when it is there); nil: all.
    public var only: Set<StudyStage>?
    /// The colour photograph the quantize stage reduces (a Debian package's file; see the README).
    public var photograph: String = ColorQuantizer.debianPhotograph
    public var quantizeKs: [Int] = [5, 10, 100]

    public init(profile: StudyProfile, outputDirectory: String, dataDirectory: String) {
        (self.profile, self.outputDirectory, self.dataDirectory) = (profile, outputDirectory, dataDirectory)
    }
}

/// The whole Fashion-MNIST study of the seeds on one backend: data, models, features, clusterings
/// scored against the classes, their interpretation, 2-D views, colour quantisation, and an HTML
/// report. Everything goes through the same library code as the single commands; every artefact
/// is cached under `outputDirectory/cache` by a key of its inputs and settings, so a re-run (or a
/// resumed one) recomputes only what changed.
public final class Study<B: ComputeBackend> {
    public let backend: B
    public let settings: StudySettings
    let cache: ArtefactCache
    let progress: ProgressReporter
    let note: (String) -> Void
    public internal(set) var record: StudyRecord
    var profile: StudyProfile { settings.profile }
    var figuresDirectory: String { settings.outputDirectory + "/figures" }

    public init(backend: B, settings: StudySettings, progress: ProgressReporter, note: @escaping (String) -> Void) throws {
        (self.backend, self.settings, self.progress, self.note) = (backend, settings, progress, note)
        cache = try ArtefactCache(directory: settings.outputDirectory + "/cache")
        try FileManager.default.createDirectory(atPath: settings.outputDirectory + "/figures", withIntermediateDirectories: true)
        let formatter = ISO8601DateFormatter()
        record = StudyRecord(profile: settings.profile, backend: "\(backend.name) (\(backend.deviceDescription))", seed: settings.seed, started: formatter.string(from: Date()))
    }

    // MARK: running stages

    /// Counts of the stage being run.
    var current = StageRecord(name: "", seconds: 0, status: .computed)
    /// Trained networks by plan name.
    var networks: [String: Network<B>] = [:]
    /// The feature sets made so far (raw pixels first).
    var features: [FeatureSet] = []
    /// Labels of every clustering by pipeline name ("UMAP-10 + Ward").
    var clusterings: [String: [Int64]] = [:]

    /// Runs every stage asked for, then writes `results.csv`, `results.json` and `report.html`.
    /// Every stage but `quantize` reads the data set: when it cannot be read this throws before anything
    /// is written, rather than failing each stage and replacing a previous run's report with an empty one.
    public func run() throws -> StudyRecord {
        let start = Date()
        let wanted = settings.only ?? Set(StudyStage.allCases)
        let running = StudyStage.allCases.filter { $0 != .report && (wanted.contains($0) || needed($0, by: wanted)) }
        if running.contains(where: { $0 != .quantize }) { _ = try dataset.get() }
        for stage in StudyStage.allCases where stage != .report {
            guard running.contains(stage) else {
                record.stages.append(StageRecord(name: stage.rawValue, seconds: 0, status: .skipped))
                continue
            }
            runStage(stage)
        }
        record.conclusions = Conclusions.write(record)
        record.seconds = Date().timeIntervalSince(start)
        try writeResults()
        let reportStart = Date()
        try ReportWriter(record: record, outputDirectory: settings.outputDirectory).write()
        record.stages.append(StageRecord(name: StudyStage.report.rawValue, seconds: Date().timeIntervalSince(reportStart), status: .computed))
        record.seconds = Date().timeIntervalSince(start)
        try writeResults()
        return record
    }

    /// Whether a stage must run because a wanted one uses what it makes.
    private func needed(_ stage: StudyStage, by wanted: Set<StudyStage>) -> Bool {
        let uses: [StudyStage: Set<StudyStage>] = [
            .data: [], .models: [.data], .features: [.data, .models], .clustering: [.data, .models, .features],
            .interpretation: [.data, .models, .features, .clustering], .views: [.data, .models, .features, .clustering],
            .quantize: [], .report: [],
        ]
        return wanted.contains { uses[$0, default: []].contains(stage) }
    }

    private func runStage(_ stage: StudyStage) {
        let start = Date()
        current = StageRecord(name: stage.rawValue, seconds: 0, status: .computed)
        do {
            switch stage {
            case .data: try runData()
            case .models: try runModels()
            case .features: try runFeatures()
            case .clustering: try runClustering()
            case .interpretation: try runInterpretation()
            case .views: try runViews()
            case .quantize: try runQuantize()
            case .report: break
            }
        } catch {
            current.failures.append("\(error)")
        }
        progress.clear()
        current.seconds = Date().timeIntervalSince(start)
        if current.failures.isEmpty {
            current.status = current.computed == 0 && current.cached > 0 ? .cached : .computed
        } else {
            current.status = current.computed + current.cached > 0 ? .partly : .failed
        }
        let counts = "\(current.computed) computed, \(current.cached) from the cache"
        progress.note("stage \(stage.rawValue): \(current.status.rawValue) in \(ProgressReporter.formatDuration(current.seconds)) (\(counts))"
            + (current.failures.isEmpty ? "" : "; \(current.failures.count) failed: \(current.failures[0])"))
        record.stages.append(current)
    }

    /// Runs `body` for one artefact of the current stage; a failure is recorded and not rethrown, so
    /// the stage goes on with its other artefacts.
    func attempt(_ what: String, _ body: () throws -> Void) {
        let start = Date()
        do { try body() } catch { current.failures.append("\(what): \(error)") }
        current.artefacts = (current.artefacts ?? []) + [ArtefactTiming(name: what, seconds: Date().timeIntervalSince(start))]
    }

    func count(hit: Bool) { if hit { current.cached += 1 } else { current.computed += 1 } }

    // MARK: outputs

    private func writeResults() throws {
        let dir = settings.outputDirectory
        try AtomicFile.write(Data(ResultsTable.csv(ResultsTable.ranked(record.rows)).utf8), to: dir + "/results.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: dir + "/results.json")
    }

    /// Writes a figure as PNG under `figures/` and records it for the report.
    func figure(_ name: String, section: String, title: String, caption: String, _ make: () throws -> [UInt8]) {
        attempt("figure \(name)") {
            let file = "figures/\(name).png"
            try AtomicFile.write(Data(try make()), to: settings.outputDirectory + "/" + file)
            record.figures.removeAll { $0.file == file }
            record.figures.append(FigureRecord(section: section, file: file, title: title, caption: caption))
        }
    }

    // MARK: data

    /// The loaded data set and its splits (training images for the models; test for classifiers).
    lazy var dataset: Result<(data: FashionMNIST, splits: DataSplits), Error> = Result {
        let data = try FashionMNIST.load(from: settings.dataDirectory)
        let splits = try DataSplits(trainLabels: data.train.labels, testCount: data.test.count, validationFraction: 0.1, seed: settings.seed)
        return (data, splits)
    }

    /// Training-split indices the models learn from (the profile's limit applied).
    var trainingIndices: [Int] {
        get throws {
            let splits = try dataset.get().splits
            return profile.trainingLimit.map { Array(splits.train.prefix($0)) } ?? splits.train
        }
    }

    /// The images the study clusters: the 10,000 test images (quick) or all 70,000 in file order,
    /// training images first (full). Labels are used only to score.
    lazy var clustered: Result<LabeledImages, Error> = Result {
        let data = try dataset.get().data
        guard profile.allImages else { return data.test.prefix(profile.clusterLimit) }
        return LabeledImages(images: data.train.images + data.test.images, labels: data.train.labels + data.test.labels,
                             height: data.test.height, width: data.test.width)
    }

    /// The key every artefact computed from the clustered images starts from.
    var imagesKey: ArtefactKey {
        ArtefactKey("images", profile.allImages ? "all-70000" : "test-10000", profile.clusterLimit.map { "first \($0)" } ?? "",
                    "data \(settings.dataDirectory)", "build \(BuildIdentity.current)")
    }

    var truth: [Int64] { get throws { try clustered.get().labels.map(Int64.init) } }
}
