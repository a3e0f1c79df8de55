import Foundation

/// Everything a study produced, as `results.json` holds it and the report is written from.
public struct StudyRecord: Codable, Sendable {
    public var profile: StudyProfile
    public var backend: String
    public var seed: UInt64
    public var started: String
    public var seconds: Double = 0
    public var stages: [StageRecord] = []
    public var data: DataSummary?
    public var models: [ModelSummary] = []
    public var rows: [ResultRow] = []
    public var interpretations: [Interpretation] = []
    public var figures: [FigureRecord] = []
    public var quantization: QuantizationRecord?
    public var conclusions: [String] = []

    public init(profile: StudyProfile, backend: String, seed: UInt64, started: String) {
        (self.profile, self.backend, self.seed, self.started) = (profile, backend, seed, started)
    }
}

/// How one stage went: computed, taken from the cache, or failed (with the reason).
public struct StageRecord: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case computed, cached, partly, failed, skipped }
    public var name: String
    public var seconds: Double
    public var status: Status
    /// Artefacts computed / taken from the cache, and one line per failure.
    public var computed = 0, cached = 0
    public var failures: [String] = []
    /// Seconds spent on each artefact of the stage, in the order they ran (nil in records written
    /// before timings were kept).
    public var artefacts: [ArtefactTiming]? = nil
}

/// The wall-clock seconds one artefact of a stage took (cache reads included; they take ~0).
public struct ArtefactTiming: Codable, Sendable {
    public var name: String
    public var seconds: Double
}

/// The data set as the study saw it.
public struct DataSummary: Codable, Sendable {
    public var classNames: [String]
    /// Images per class in the training, validation and test splits, and in what is clustered.
    public var train: [Int], validation: [Int], test: [Int], clustered: [Int]
    public var pixelMean: Double, pixelStd: Double
    /// Mean and standard deviation over the central 14 x 14 pixels and over the 4-pixel border.
    public var centreMean: Double, centreStd: Double, borderMean: Double, borderStd: Double
}

/// A trained model: what it is, how long it trained, and its score (reconstruction MSE per pixel on
/// the clustered images for autoencoders; test-split metrics for classifiers).
public struct ModelSummary: Codable, Sendable {
    public var name: String
    public var architecture: String
    public var epochs: Int
    public var trainingImages: Int
    public var seconds: Double?
    public var cached: Bool
    public var finalLoss: Double?
    public var reconstructionMSE: Double?
    public var accuracy: Double?
    public var macroPrecision: Double?, macroRecall: Double?, macroF1: Double?
    public var precision: [Double]?, recall: [Double]?, f1: [Double]?
}

/// The cluster-to-class reading of one clustering (seed 001's "guessing the labels").
public struct Interpretation: Codable, Sendable {
    public struct Cluster: Codable, Sendable {
        public var id: Int64
        public var size: Int
        /// The most frequent classes with their shares of the cluster, largest first (shares >= 5 %, at most 3).
        public var classes: [ClassShare]
    }
    public struct ClassShare: Codable, Sendable { public var name: String; public var share: Double }
    public var pipeline: String
    public var why: String
    public var clusters: [Cluster]
    public var noise: Int
}

/// A figure of the report: its file under the output directory, where it goes, what it shows.
public struct FigureRecord: Codable, Sendable {
    public var section: String
    public var file: String
    public var title: String
    public var caption: String
}

/// The colour-quantisation demonstration.
public struct QuantizationRecord: Codable, Sendable {
    public var image: String
    public var width: Int, height: Int
    public var ks: [Int]
    /// Mean squared error per channel (0 ... 255 scale) of each quantised image.
    public var meanSquaredErrors: [Double]
    public var file: String
}
