import ArgumentParser
import Backend
import Cluster
import Dataset
import DeepCluster
import Foundation
import Models
import Progress
import Reduce

/// `fmnist deep-cluster`: N2D, DEC or IDEC on Fashion-MNIST images, labels only to score.
struct DeepClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deep-cluster",
        abstract: "Cluster images with N2D (autoencoder, UMAP, GMM), DEC, IDEC or SCAN (+ self-labelling); labels are read only to score.",
        discussion: "Without --model a dense autoencoder (784-500-500-2000-latent) is pretrained on the same images first, "
            + "or with --pretrain contrastive (SCAN's default) a SimCLR encoder as `fmnist train contrastive` trains it. "
            + "Labels are written as int64 .npy (or CSV for a .csv name), one per image in split order (all: the 60,000 "
            + "training images, then the 10,000 test images, in file order; train and val: the two parts of the validation "
            + "draw, as in every other command).")

    enum Split: String, ExpressibleByArgument, CaseIterable { case all, train, val, test }
    enum SCANViewsChoice: String, ExpressibleByArgument, CaseIterable { case strong, simclr }

    @Option(help: "n2d, dec, idec or scan.")
    var method: DeepClustering.Method = .n2d

    @Option(name: .customLong("model"), help: ArgumentHelp("Pretrained autoencoder checkpoint (safetensors), or for n2d a contrastive encoder "
        + "(`fmnist train contrastive`); without it an autoencoder is pretrained here. N2D takes several (--model A "
        + "--model B ...), e.g. SimCLR encoders of several seeds: --n2d-runs runs on each, all combined by consensus."))
    var models: [String] = []

    /// The one network given, when there is one.
    var model: String? { models.first }

    @Option(help: "Number of clusters.")
    var k = 10

    @Option(help: ArgumentHelp("Images: all (the training then the test images, file order), train or val (the two parts "
        + "of the validation draw, as in every command), or test."))
    var split: Split = .all

    @Option(help: ArgumentHelp("With --split train or val: fraction of each training class held out for validation "
        + "(default 0.1; 0 keeps all 60,000 in train)."))
    var valFraction: Double?

    @Option(help: "With --split train or val: seed of the validation draw (default 0).")
    var splitSeed: UInt64?

    @Option(help: "Output labels: .npy (int64) or .csv.")
    var out: String

    @Option(help: ArgumentHelp("Write the autoencoder used (pretrained here, and fine-tuned by dec/idec) to this checkpoint; "
        + "with --encoders, each network as soon as it is trained, its seed in the name "
        + "(ae.safetensors: ae-seed0.safetensors, ...)."))
    var saveModel: String?

    @Option(help: ArgumentHelp("N2D without --model: pretrain this many networks, seeds --seed, --seed + 1, ... (each as `train` "
        + "with that seed would), and combine --n2d-runs runs on each by consensus, as several --model do (default: 1)."))
    var encoders: Int?

    @Flag(help: ArgumentHelp("N2D with --save-model, without --model: take the networks an interrupted run of the same command "
        + "already saved there (each file's settings must match this command's) and pretrain only the missing ones."))
    var resume = false

    @Option(help: "Pretraining epochs without --model (default: \(DeepClustering.Configuration().pretrainEpochs)).")
    var pretrainEpochs: Int?

    @Option(help: ArgumentHelp("Without --model: pretrain the dense autoencoder (autoencoder; default for n2d, dec, idec) "
        + "or the SimCLR encoder as `train contrastive` does (contrastive; default for scan; n2d and scan only)."))
    var pretrain: DeepClustering.Pretraining?

    @Option(help: "Bottleneck of the pretrained autoencoder (default: 10) or size of the contrastive representation (default: 128).")
    var latent: Int?

    @Option(help: "Random shifts of up to this many pixels while pretraining (default: 0, off).")
    var shift: Int?

    @Option(help: "N2D: UMAP neighbours (default: 20).")
    var umapNeighbors: Int?

    @Option(help: "N2D: UMAP minimum distance (default: 0).")
    var umapMinDist: Double?

    @Option(help: "N2D: UMAP dimensions (default: --k).")
    var umapDims: Int?

    @Option(help: ArgumentHelp("N2D: UMAP's gradient steps, as embed's --sgd: sequential (umap-learn's order; N2D scored "
        + "higher after it than after blocked), blocked, synchronous or auto (default: sequential)."))
    var umapSgd: UMAP.Updates?

    @Option(help: ArgumentHelp("N2D: UMAP + mixture runs (seeds --seed, --seed + 100, ...) combined into one clustering by "
        + "consensus, K-means on their one-hot labels (Topchy, Jain and Punch 2005; default: 1, the paper's single run). "
        + "With several --model: runs per encoder (seeds + 100 r + i for the i-th)."))
    var n2dRuns: Int?

    @Option(help: ArgumentHelp("SCAN: train heads alone on the encoder's fixed features (heads, the default: 10 heads, batch 128, "
        + "50 epochs) or the encoder with one head on augmented images (network, SCAN's MNIST setting: batch 48, 5 epochs; "
        + "its CIFAR-10 setting is --scan-batch 128 --scan-epochs 50)."))
    var scanUpdate: SCANUpdate?

    @Option(help: "SCAN: epochs (default: 50 with --scan-update heads, 5 with network).")
    var scanEpochs: Int?

    @Option(help: "SCAN: anchors per batch (default: 128 with --scan-update heads, 48 with network).")
    var scanBatch: Int?

    @Option(help: ArgumentHelp("SCAN with --scan-update network: views of anchors and neighbours, SCAN's strong augmentation "
        + "(strong: flip, 4 RandAugment operations, Cutout; the default, as SCAN) or SimCLR's crops and jitter (simclr)."))
    var scanViews: SCANViewsChoice?

    @Option(help: "SCAN: clustering heads trained together, the lowest-loss one kept (default: 10 with heads, 1 with network).")
    var scanHeads: Int?

    @Flag(help: ArgumentHelp("SCAN: then self-label (SCAN's third step): fine-tune the encoder and the chosen head on strongly "
        + "augmented views of the images predicted with probability > 0.99, class-balanced cross-entropy, batch 1000."))
    var selfLabel = false

    @Option(help: "SCAN with --self-label: epochs of self-labelling (default: \(SelfLabeling.Configuration().epochs)).")
    var selfLabelEpochs: Int?

    @Option(help: "DEC/IDEC: batches at most (default: 20000).")
    var maxIterations: Int?

    @Option(help: "DEC/IDEC: batches between target updates (default: 140).")
    var updateInterval: Int?

    @Option(help: "DEC/IDEC: stop when fewer than this fraction of labels change between targets (default: 0.001).")
    var tol: Double?

    @Option(help: "IDEC: weight of the clustering loss (default: 0.1).")
    var gamma: Float?

    @Option(help: "DEC/IDEC: optimizer, adam or sgd (default: sgd for dec, adam for idec).")
    var optimizer: String?

    @Option(help: "DEC/IDEC: learning rate (default: 0.01 with sgd, 0.001 with adam).")
    var lr: Float?

    @Option(name: [.customLong("seed"), .customLong("random-state")], help: "Seed of every random draw (pretraining, UMAP, GMM, K-means, batches).")
    var seed: UInt64 = 0

    @Option(help: "Directory with the four Fashion-MNIST IDX files (default: $FMNIST_DATA, else \(FashionMNIST.debianDirectory)).")
    var dataDir: String?

    @Option(help: "Keep only the first N images of each split (file order), for quick runs.")
    var limit: Int?

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Print a JSON report (stage times, scores against the true labels) at the end.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.labels)
        guard k >= 2 else { throw ValidationError("--k \(k) must be at least 2") }
        if let limit, limit < 1 { throw ValidationError("--limit \(limit) must be at least 1") }
        if split == .all || split == .test {
            for (flag, typed) in [("--val-fraction", valFraction != nil), ("--split-seed", splitSeed != nil)] where typed {
                throw ValidationError("\(flag) applies to --split train or val; --split \(split.rawValue) holds no validation draw")
            }
        }
        if let valFraction, !(valFraction >= 0 && valFraction < 1) { throw ValidationError("--val-fraction \(valFraction) must be in [0, 1)") }
        if models.count > 1 {
            guard method == .n2d else { throw ValidationError("several --model combine N2D runs; they serve --method n2d, not \(method.rawValue)") }
            if saveModel != nil { throw ValidationError("--save-model saves one network; with several --model N2D trains none to save") }
            if let twice = Dictionary(grouping: models, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ValidationError("--model \(twice) is given twice")
            }
        }
        if let model {
            for (flag, typed) in [("--pretrain", pretrain != nil), ("--pretrain-epochs", pretrainEpochs != nil), ("--latent", latent != nil),
                                  ("--shift", shift != nil), ("--encoders", encoders != nil)] where typed {
                throw ValidationError("\(flag) sets the pretraining, which --model \(model) replaces; give one or the other")
            }
        }
        if let pretrainEpochs, pretrainEpochs < 1 { throw ValidationError("--pretrain-epochs \(pretrainEpochs) must be at least 1") }
        if let encoders, encoders < 1 { throw ValidationError("--encoders \(encoders) must be at least 1") }
        if resume {
            guard method == .n2d else {
                throw ValidationError("--resume takes back N2D's pretrained networks; --method \(method.rawValue) fine-tunes its own")
            }
            if let model { throw ValidationError("--resume takes back networks this command pretrains; --model \(model) gives one") }
            guard saveModel != nil else {
                throw ValidationError("--resume needs --save-model: where the interrupted run saved its networks")
            }
        }
        if let latent, !(1 ... Architecture.maximumLatent).contains(latent) {
            throw ValidationError("--latent \(latent) must be between 1 and \(Architecture.maximumLatent)")
        }
        if let shift, !(0 ... 8).contains(shift) { throw ValidationError("--shift \(shift) must be between 0 and 8 pixels") }
        if method == .dec, gamma != nil { throw ValidationError("--gamma weighs IDEC's clustering loss; --method dec has no reconstruction loss") }
        try MethodOption.refuseInapplicable(methodOptions, method: method)
        if model == nil {
            let pretrain = self.pretrain ?? (method == .scan ? .contrastive : .autoencoder)
            if pretrain == .contrastive && !method.acceptsContrastive {
                throw ValidationError("--pretrain contrastive serves --method n2d and scan; \(method.rawValue) fine-tunes an autoencoder")
            }
            if pretrain == .autoencoder && method == .scan {
                throw ValidationError("--method scan needs a contrastive encoder: --pretrain contrastive or --model FILE")
            }
            if pretrain == .contrastive && (shift ?? 0) != 0 {
                throw ValidationError("--shift does not apply to --pretrain contrastive, whose views are random crops of their own")
            }
        }
        if let selfLabelEpochs {
            guard selfLabel else { throw ValidationError("--self-label-epochs sets the self-labelling, which only --self-label turns on") }
            guard selfLabelEpochs >= 0 else { throw ValidationError("--self-label-epochs \(selfLabelEpochs) must not be negative") }
        }
        if let scanEpochs, scanEpochs < 0 { throw ValidationError("--scan-epochs \(scanEpochs) must not be negative") }
        if let scanHeads, scanHeads < 1 { throw ValidationError("--scan-heads \(scanHeads) must be at least 1") }
        if let scanBatch, scanBatch < 1 { throw ValidationError("--scan-batch \(scanBatch) must be at least 1") }
        if scanViews != nil && scanUpdate != .network {
            throw ValidationError("--scan-views sets the views of --scan-update network; the heads alone train on fixed features")
        }
        if let umapNeighbors, umapNeighbors < 2 { throw ValidationError("--umap-neighbors \(umapNeighbors) must be at least 2") }
        if let umapMinDist, !(umapMinDist >= 0 && umapMinDist.isFinite) { throw ValidationError("--umap-min-dist \(umapMinDist) must not be negative") }
        if let umapDims, umapDims < 1 { throw ValidationError("--umap-dims \(umapDims) must be at least 1") }
        if let n2dRuns, n2dRuns < 1 { throw ValidationError("--n2d-runs \(n2dRuns) must be at least 1") }
        if let maxIterations, maxIterations < 0 { throw ValidationError("--max-iterations \(maxIterations) must not be negative") }
        if let updateInterval, updateInterval < 1 { throw ValidationError("--update-interval \(updateInterval) must be at least 1") }
        if let tol, !(tol >= 0 && tol <= 1) { throw ValidationError("--tol \(tol) must be in [0, 1]") }
        if let gamma, !(gamma >= 0 && gamma.isFinite) { throw ValidationError("--gamma \(gamma) must not be negative") }
        if let optimizer, TrainingSettings.Optimizer(rawValue: optimizer) == nil { throw ValidationError("--optimizer '\(optimizer)' is not adam or sgd") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr \(lr) must be positive") }
        if saveModel == out { throw ValidationError("--save-model and --out name the same file \(out)") }
        try OutputPath.check(saveModel, flag: "--save-model", extensions: ["safetensors"])
    }

    /// Where `--save-model path` writes: the path itself, or with several `--encoders` one file per network,
    /// its seed before the extension (`ae.safetensors` with seeds 0, 1: `ae-seed0.safetensors`, `ae-seed1.safetensors`).
    func savedModelPaths(_ path: String) -> [String] {
        let count = encoders ?? 1
        guard count > 1 else { return [path] }
        let url = URL(fileURLWithPath: path), stem = url.deletingPathExtension().lastPathComponent
        let directory = (path as NSString).deletingLastPathComponent
        return (0 ..< count).map { i in
            let name = "\(stem)-seed\(seed &+ UInt64(i)).\(url.pathExtension)"
            return directory.isEmpty ? name : directory + "/" + name
        }
    }

    /// Which methods read each method-specific option: typing one for another method is an error,
    /// never silently ignored (`--gamma` weighs IDEC's reconstruction loss, which DEC lacks).
    var methodOptions: [MethodOption<DeepClustering.Method>] {
        let selfTraining: [DeepClustering.Method] = [.dec, .idec]
        return [
            .init(flag: "--umap-neighbors", typed: umapNeighbors != nil, methods: [.n2d]),
            .init(flag: "--umap-min-dist", typed: umapMinDist != nil, methods: [.n2d]),
            .init(flag: "--umap-dims", typed: umapDims != nil, methods: [.n2d]),
            .init(flag: "--umap-sgd", typed: umapSgd != nil, methods: [.n2d]),
            .init(flag: "--n2d-runs", typed: n2dRuns != nil, methods: [.n2d]),
            .init(flag: "--encoders", typed: encoders != nil, methods: [.n2d]),
            .init(flag: "--max-iterations", typed: maxIterations != nil, methods: selfTraining),
            .init(flag: "--update-interval", typed: updateInterval != nil, methods: selfTraining),
            .init(flag: "--tol", typed: tol != nil, methods: selfTraining),
            .init(flag: "--optimizer", typed: optimizer != nil, methods: selfTraining),
            .init(flag: "--lr", typed: lr != nil, methods: selfTraining),
            .init(flag: "--gamma", typed: gamma != nil, methods: [.idec]),
            .init(flag: "--scan-update", typed: scanUpdate != nil, methods: [.scan]),
            .init(flag: "--scan-epochs", typed: scanEpochs != nil, methods: [.scan]),
            .init(flag: "--scan-heads", typed: scanHeads != nil, methods: [.scan]),
            .init(flag: "--scan-batch", typed: scanBatch != nil, methods: [.scan]),
            .init(flag: "--scan-views", typed: scanViews != nil, methods: [.scan]),
            .init(flag: "--self-label", typed: selfLabel, methods: [.scan]),
        ]
    }

    var configuration: DeepClustering.Configuration {
        var c = DeepClustering.Configuration()
        (c.method, c.clusters, c.seed) = (method, k, seed)
        if let pretrainEpochs { c.pretrainEpochs = pretrainEpochs }
        c.latent = latent
        c.pretraining = pretrain
        if let shift { c.pretrainShift = shift }
        if let encoders { c.encoders = encoders }
        if let umapNeighbors { c.umapNeighbours = umapNeighbors }
        if let umapMinDist { c.umapMinDist = umapMinDist }
        c.umapDims = umapDims
        if let umapSgd { c.umapUpdates = umapSgd }
        if let n2dRuns { c.n2dRuns = n2dRuns }
        c.scanUpdate = scanUpdate ?? .heads
        if scanEpochs != nil || scanHeads != nil || scanBatch != nil || scanViews != nil {
            var s: SemanticClustering.Configuration = c.scanUpdate == .network ? .wholeNetwork : SemanticClustering.Configuration()
            if let scanEpochs { s.epochs = scanEpochs }
            if let scanHeads { s.heads = scanHeads }
            if let scanBatch { s.batchSize = scanBatch }
            if scanViews == .simclr { s.views = .simclr(ContrastiveAugmentation()) }
            c.scan = s
        }
        if selfLabel {
            var l = SelfLabeling.Configuration()
            if let selfLabelEpochs { l.epochs = selfLabelEpochs }
            c.selfLabeling = l
        }
        if let maxIterations { c.selfTraining.maxIterations = maxIterations }
        if let updateInterval { c.selfTraining.updateInterval = updateInterval }
        if let tol { c.selfTraining.tolerance = tol }
        if let gamma { c.selfTraining.gamma = gamma }
        c.selfTraining.optimizer = optimizer.flatMap(TrainingSettings.Optimizer.init(rawValue:))
        c.selfTraining.learningRate = lr
        return c
    }

    struct Stage: Codable { var stage: String, seconds: Double }

    struct Report: Codable {
        var method: String, split: String, images: Int, clusters: Int, backend: String, model: String?, seed: UInt64
        var seconds: Double, stages: [Stage], clusterSizes: [Int]
        var pretrainEpochs: Int?, pretrainLoss: Double?
        /// With --encoders: each pretrained network's last-epoch loss, and where --save-model wrote them.
        var pretrainLosses: [Double]?, savedModels: [String]?
        /// With --resume: the saved networks taken back instead of pretrained again.
        var reusedModels: [String]?
        var iterations: Int?, converged: Bool?, updates: [DeepEmbeddedClustering.Update]?
        /// SCAN: the chosen head, every head's selection loss, the training loss per epoch.
        var scanHead: Int?, scanHeadLosses: [Double]?, scanEpochLosses: [Double]?
        /// SCAN's self-labelling: confident images before it and in each epoch, the loss per epoch.
        var selfLabelConfidentBefore: Int?, selfLabelConfident: [Int]?, selfLabelEpochLosses: [Double]?
        /// Against the true labels of every image, and of the test images alone (split all).
        var metrics: ExternalMetrics, testMetrics: ExternalMetrics?
        var notes: [String]
    }

    func run() throws {
        let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
        try cluster(on: backend)
    }

    private func cluster<B: ComputeBackend>(on backend: B) throws {
        let set = try FashionMNIST.load(from: FashionMNIST.directory(flag: dataDir))
        let images: LabeledImages
        switch split {
        case .all: images = set.allImages(limit: limit)
        case .train, .val:
            let fraction = valFraction ?? DataOptions.defaultValFraction
            let splits = try DataSplits(trainLabels: set.train.labels, testCount: set.test.count, validationFraction: fraction,
                                        seed: splitSeed ?? DataOptions.defaultSplitSeed, limit: limit)
            let indices = split == .train ? splits.train : splits.validation
            guard !indices.isEmpty else { throw ValidationError("--split \(split.rawValue) holds no images with --val-fraction \(fraction)") }
            images = set.train.subset(indices)
        case .test: images = set.test.prefix(limit)
        }
        guard k <= images.count else { throw ValidationError("--k \(k) is larger than the number of images (\(images.count))") }
        if method == .n2d, configuration.umapNeighbours >= images.count {
            throw ValidationError("--umap-neighbors \(configuration.umapNeighbours) must be below the number of images (\(images.count))")
        }
        var networks: [Network<B>] = []
        for model in models {
            let loaded = try Checkpoint.load(model, backend: backend, note: note)
            let contrastive = loaded.architecture.task == .contrastive
            guard loaded.architecture.isAutoencoder || (method.acceptsContrastive && contrastive) else {
                throw ValidationError("--model \(model) holds \(loaded.architecture), not an autoencoder"
                    + (contrastive ? " (a contrastive encoder serves --method n2d and scan only)" : ""))
            }
            guard method != .scan || contrastive else {
                throw ValidationError("--method scan needs a contrastive encoder; --model \(model) holds \(loaded.architecture)")
            }
            networks.append(loaded)
        }
        let network = networks.first
        let progress = ProgressReporter.standardError(silent: json || quiet)
        let start = Date()
        let several = (encoders ?? 1) > 1
        let savePaths = saveModel.map(savedModelPaths) ?? []
        // N2D's networks pretrained here are saved as each is trained (no later step changes them), so an interrupted
        // run keeps the finished ones, which --resume takes back.
        let savesAsTrained = method == .n2d && models.isEmpty && saveModel != nil
        let pretraining = PretrainingRecord(command: self, images: images.count)
        var reused: [(path: String, loss: Double)] = []
        let (result, trained) = try DeepClustering.run(images: images, network: network, companions: Array(networks.dropFirst()),
                                                       configuration: configuration, backend: backend, reuse: { i in
            guard resume, FileManager.default.fileExists(atPath: savePaths[i]) else { return nil }
            let earlier = try pretraining.takeBack(savePaths[i], index: i, configuration: configuration, backend: backend)
            reused.append((savePaths[i], earlier.loss))
            return earlier
        }, pretrained: { i, net, loss in
            guard savesAsTrained else { return }
            try Checkpoint.save(net, to: savePaths[i], extra: pretraining.metadata(index: i, loss: loss))
        }) { stage, done, total in progress.update(phase: stage, done: done, total: total) }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let labels = result.labels.map(Int64.init)
        try LabelFile.write(labels, to: out)
        if let saveModel, !savesAsTrained {
            try Checkpoint.save(trained, to: saveModel, extra: ["fmnist.deep_cluster": method.rawValue, "fmnist.seed": "\(seed)"])
        }
        let truth = images.labels.map(Int64.init)
        let metrics = ExternalMetrics(truth: truth, predicted: labels)
        let testCount = min(set.test.count, limit ?? set.test.count)
        let testMetrics = split == .all ? ExternalMetrics(truth: Array(truth.suffix(testCount)), predicted: Array(labels.suffix(testCount))) : nil
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[Int(l)] += 1 }
        var notes = reused.map { "note: --resume: took \($0.path), pretrained by an earlier run (last epoch's loss \($0.loss))" }
        notes += result.notes
        let empty = sizes.filter { $0 == 0 }.count
        if empty > 0 {
            notes.append("note: \(empty) of the \(k) clusters \(empty == 1 ? "is" : "are") empty: the images fell into fewer groups")
        }
        let fitted = result.selfTraining
        let report = Report(method: method.rawValue, split: split.rawValue, images: images.count, clusters: k, backend: backend.name,
                            model: models.isEmpty ? nil : models.joined(separator: ","),
                            seed: seed, seconds: seconds, stages: result.seconds.map { Stage(stage: $0.stage, seconds: $0.seconds) },
                            clusterSizes: sizes, pretrainEpochs: model == nil ? configuration.pretrainEpochs : nil, pretrainLoss: result.pretrainLoss,
                            pretrainLosses: several ? result.pretrainLosses : nil,
                            savedModels: several && saveModel != nil ? savePaths : nil, reusedModels: resume ? reused.map(\.path) : nil,
                            iterations: fitted?.iterations, converged: fitted?.converged, updates: fitted?.updates,
                            scanHead: result.semantic?.head, scanHeadLosses: result.semantic?.headLosses,
                            scanEpochLosses: result.semantic?.epochLosses, selfLabelConfidentBefore: result.selfLabeling?.confidentBefore,
                            selfLabelConfident: result.selfLabeling?.confidentPerEpoch, selfLabelEpochLosses: result.selfLabeling?.epochLosses,
                            metrics: metrics,
                            testMetrics: testMetrics, notes: notes)
        if json { print(try jsonString(report)); return }
        notes.forEach(note)
        let stages = result.seconds.map { String(format: "%@ %.1f s", $0.stage, $0.seconds) }.joined(separator: ", ")
        print("\(method.rawValue): \(images.count) images, \(k) clusters in \(String(format: "%.1f", seconds)) s (\(stages)); wrote \(out)")
        let line = { (m: ExternalMetrics) in String(format: "ACC %.4f  NMI %.4f  ARI %.4f  AMI %.4f", m.accuracy, m.nmi, m.ari, m.ami) }
        print("all \(images.count) images: " + line(metrics))
        if let testMetrics { print("test images alone: " + line(testMetrics)) }
        if several && saveModel != nil { print("saved the \(savePaths.count) networks: " + savePaths.joined(separator: ", ")) }
    }
}

extension DeepClustering.Method: ExpressibleByArgument {}
extension SCANUpdate: ExpressibleByArgument {}
extension DeepClustering.Pretraining: ExpressibleByArgument {}

/// What `deep-cluster` writes into the networks it pretrains and saves, and checks in them before `--resume`
/// takes one back: the command's seed for that network, the pretraining's epochs, images and shifts, and the
/// architecture; a file that differs in any is an error naming the setting, never silently taken.
struct PretrainingRecord {
    let seed: UInt64, epochs: Int, images: String, shift: Int

    init(command c: DeepClusterCommand, images count: Int) {
        let configuration = c.configuration
        (seed, epochs, shift) = (c.seed, configuration.pretrainEpochs, configuration.pretrainShift)
        let fraction = c.valFraction ?? DataOptions.defaultValFraction, splitSeed = c.splitSeed ?? DataOptions.defaultSplitSeed
        let draw = c.split == .train || c.split == .val ? " (--val-fraction \(fraction), --split-seed \(splitSeed))" : ""
        images = "\(c.split.rawValue) \(count)\(draw)"
    }

    func metadata(index i: Int, loss: Double) -> [String: String] {
        ["fmnist.deep_cluster": "n2d", "fmnist.seed": "\(seed &+ UInt64(i))", "fmnist.pretrain_epochs": "\(epochs)",
         "fmnist.pretrain_images": images, "fmnist.pretrain_shift": "\(shift)", "fmnist.pretrain_loss": "\(loss)"]
    }

    /// Network `i` as an earlier run saved it at `path`, with its loss, once its settings match these.
    func takeBack<B: ComputeBackend>(_ path: String, index i: Int, configuration: DeepClustering.Configuration,
                                     backend: B) throws -> (network: Network<B>, loss: Double) {
        let file = try Safetensors.read(path)
        let expected = metadata(index: i, loss: 0)
        let settings = [("fmnist.deep_cluster", "--method"), ("fmnist.seed", "--seed"), ("fmnist.pretrain_epochs", "--pretrain-epochs"),
                        ("fmnist.pretrain_images", "--split / --limit (images)"), ("fmnist.pretrain_shift", "--shift")]
        for (key, flag) in settings {
            let found = file.metadata[key]
            guard found == expected[key] else {
                throw ValidationError("--resume: \(path) was pretrained with \(flag) \(found ?? "unknown"), this command asks for "
                    + "\(expected[key]!); move it away or drop --resume")
            }
        }
        let architecture = DeepClustering.pretrainedArchitecture(configuration)
        let network = try Checkpoint.load(file, source: path, as: try Checkpoint.architecture(of: file, path: path, fallback: nil),
                                          backend: backend, seed: seed &+ UInt64(i))
        guard network.architecture == architecture else {
            throw ValidationError("--resume: \(path) holds \(network.architecture), this command pretrains \(architecture)")
        }
        guard let loss = file.metadata["fmnist.pretrain_loss"].flatMap(Double.init) else {
            throw ValidationError("--resume: \(path) does not record its pretraining loss; it was not saved by deep-cluster")
        }
        return (network, loss)
    }
}
