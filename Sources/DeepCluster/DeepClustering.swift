import Backend
import Cluster
import Dataset
import Foundation
import Models
import Reduce

/// Deep clustering pipelines on images, labels never read:
/// - **N2D** (McConville, Santos-Rodriguez, Piechocki and Craddock 2020, "N2D: (Not Too) Deep
///   Clustering via Clustering the Local Manifold of an Autoencoded Embedding"): the dense
///   autoencoder 784-500-500-2000-10, UMAP of its codes (`n_neighbors` 20, `min_dist` 0, as many
///   dimensions as clusters), a full-covariance Gaussian mixture on the layout.
/// - **DEC / IDEC** (see `DeepEmbeddedClustering`): centroids from K-means on the codes (20 restarts,
///   as DEC), then self-training of the encoder (DEC) or the whole autoencoder (IDEC).
///
/// N2D also clusters a contrastive encoder's representation (`Architecture.simclr`, trained by
/// `fmnist train contrastive`) in place of the autoencoder's codes: the same UMAP and mixture.
/// - **SCAN** (see `SemanticClustering`) on a contrastive encoder: each image's 20 nearest
///   neighbours by the encoder's normalised projection (SCAN mines them in the pretext model's
///   output), then linear clustering heads on its fixed representation `h`, the lowest-loss head
///   kept (SCAN's head-only setting; `scanUpdate .network`: one head trained with the encoder on
///   strongly augmented anchors and neighbours, SCAN's MNIST setting). The default is head-only because it
///   reached the lower SCAN loss — SCAN's own label-free criterion — on the 70,000 images
///   (README, "Deep clustering"), in a third of the time. With `selfLabeling`, SCAN's third step
///   (see `SelfLabeling`) then fine-tunes the encoder and the chosen head on their confident
///   predictions.
///
/// The network is either given (pretrained) or pretrained here on the same images for
/// `pretrainEpochs` (N2D's paper trains 1000; see the README for how many this tool uses and why):
/// the dense autoencoder (Adam lr 0.001, batch 256, constant rate), or with `pretraining
/// .contrastive` the SimCLR encoder exactly as `fmnist train contrastive --images all` trains it
/// (cosine schedule, NT-Xent), so `deep-cluster --pretrain contrastive` is the whole pipeline in
/// one command; with `encoders` > 1 N2D pretrains that many (seeds `seed`, `seed + 1`, ...) and combines
/// its runs on all of them, the README's recommended consensus in one command.
public enum DeepClustering {
    public enum Method: String, CaseIterable, Sendable { case n2d, dec, idec, scan }

    public struct Configuration: Sendable {
        public var method = Method.n2d
        public var clusters = 10
        public var seed: UInt64 = 0
        /// Pretraining when no network is given: what (nil: contrastive for SCAN, the dense autoencoder
        /// otherwise), its bottleneck or representation size (nil: 10 for the autoencoder, 128 for
        /// the contrastive encoder) and epochs.
        public var pretraining: Pretraining?
        public var latent: Int?
        public var pretrainEpochs = 50
        /// Random shifts of up to this many pixels while pretraining (0: off).
        public var pretrainShift = 0
        /// N2D without a given network: networks to pretrain, network `i` with seed `seed + i` (each as
        /// `train` with that seed trains it); N2D's runs on all of them are combined as with companions,
        /// so `encoders` 9 is the same clustering as the nine networks given (1: one network).
        public var encoders = 1
        /// N2D's UMAP: neighbours, minimum distance and dimensions (nil: `clusters`).
        public var umapNeighbours = 20
        public var umapMinDist = 0.0
        public var umapDims: Int?
        /// How N2D's UMAP takes its gradient steps (`UMAP.Updates`): umap-learn's sequential order.
        /// Measured on six SimCLR encoders (seeds 0-5, all 70,000 images), N2D after the blocked
        /// order scored lower on five: NMI 0.672 against 0.681, accuracy 0.634 against 0.667 (means).
        public var umapUpdates = UMAP.Updates.sequential
        /// N2D's UMAP + mixture runs per network (1: the paper's one). Run `r` on network `i` (0: the
        /// given one, then the companions) seeds both with `seed + 100 r + i`; when there is more than
        /// one run in all, the partitions (network by network, run by run) are combined by
        /// `ConsensusClustering` (K-means on the concatenated one-hot labels, 10 starts, `seed`). One
        /// run's labels move by up to ±0.06 accuracy with the seed alone; consensuses agree better with
        /// each other than single runs do, and score higher (README, "Deep clustering").
        public var n2dRuns = 1
        /// DEC / IDEC's self-training (its `variant` is set from `method`).
        public var selfTraining = DeepEmbeddedClustering.Configuration()
        /// K-means restarts for DEC's initial centroids.
        public var kMeansRestarts = 20
        /// SCAN: neighbours mined per image (SCAN's 20 for 10-class sets), what is trained, and how.
        public var scanNeighbours = 20
        public var scanUpdate = SCANUpdate.heads
        /// nil: `SemanticClustering.Configuration.wholeNetwork` when the network is updated, the
        /// head-only defaults (`SemanticClustering.Configuration()`) otherwise.
        public var scan: SemanticClustering.Configuration?
        /// SCAN's self-labelling step after the clustering step (nil: off; its seed is set from `seed`).
        public var selfLabeling: SelfLabeling.Configuration?
        public init() {}
    }

    public struct Result: Sendable {
        /// One cluster per image, 0 ..< clusters.
        public var labels: [Int32]
        /// Seconds per stage ("pretraining", "codes", "UMAP", "GMM", "consensus", "K-means",
        /// "self-training", "projections", "k-NN", "SCAN"; N2D's "UMAP" and "GMM" once per run).
        public var seconds: [(stage: String, seconds: Double)]
        /// Mean loss of the last pretraining epoch: reconstruction MSE per pixel, or NT-Xent per view
        /// (nil when the network was given), and that of every network pretrained (`encoders`).
        public var pretrainLoss: Double?
        public var pretrainLosses: [Double] = []
        /// DEC / IDEC only.
        public var selfTraining: DeepEmbeddedClustering.Result?
        /// SCAN only.
        public var semantic: SemanticClustering.Result?
        /// SCAN with self-labelling only.
        public var selfLabeling: SelfLabeling.Result?
        public var notes: [String]
    }

    /// `(stage, done, total)`.
    public typealias Progress = (String, Int, Int) -> Void

    /// Clusters `images [count, 784]`; `network`, when given, must be an autoencoder (it is fine-tuned
    /// in place by DEC / IDEC); otherwise a dense autoencoder is pretrained and returned in `trained`.
    ///
    /// N2D only: `companions` are further given networks of the same kind (e.g. SimCLR encoders of
    /// other seeds); N2D then runs on each one's representation and combines every run by consensus
    /// (see `Configuration.n2dRuns`). Without a given network N2D pretrains `Configuration.encoders`
    /// networks, handing each to `pretrained` (its index, the network, its last epoch's loss) as soon as it
    /// is trained, so a caller can save it before the next one starts; `reuse` may instead hand back
    /// network `i` with its loss, pretrained by an earlier run (its settings the caller's to check), which
    /// is then not trained again. `trained` is the first network.
    public static func run<B: ComputeBackend>(images: LabeledImages, network given: Network<B>?, companions: [Network<B>] = [],
                                              configuration c: Configuration, backend: B,
                                              reuse: (Int) throws -> (network: Network<B>, loss: Double)? = { _ in nil },
                                              pretrained: (Int, Network<B>, Double) throws -> Void = { _, _, _ in },
                                              progress: Progress = { _, _, _ in }) throws -> (result: Result, trained: Network<B>) {
        guard c.clusters >= 2, c.clusters <= images.count else {
            throw TrainingError(description: "--k \(c.clusters) must be between 2 and the number of images (\(images.count))")
        }
        guard companions.isEmpty || (c.method == .n2d && given != nil) else {
            throw TrainingError(description: "several networks serve N2D only (runs on each, combined by consensus), beside a given one")
        }
        guard c.encoders >= 1, c.encoders == 1 || (c.method == .n2d && given == nil) else {
            throw TrainingError(description: "--encoders \(c.encoders): several pretrained networks serve N2D only, "
                + "without a given one")
        }
        var seconds: [(String, Double)] = [], notes: [String] = []
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds.append((stage, Date().timeIntervalSince(start))) }
            return try body()
        }
        var pretrainLosses: [Double] = []
        var network: Network<B>, others = companions
        if let given {
            guard given.architecture.isAutoencoder || (c.method.acceptsContrastive && given.architecture.task == .contrastive) else {
                throw TrainingError(description: "\(given.architecture) is not an autoencoder (a contrastive encoder serves N2D and SCAN only)")
            }
            guard c.method != .scan || given.architecture.task == .contrastive else {
                throw TrainingError(description: "SCAN needs a contrastive encoder (`fmnist train contrastive`), not \(given.architecture)")
            }
            network = given
        } else {
            let pretraining = c.pretraining ?? (c.method == .scan ? .contrastive : .autoencoder)
            guard pretraining == .contrastive || c.method != .scan else {
                throw TrainingError(description: "SCAN needs a contrastive encoder; pretrain one (contrastive), not an autoencoder")
            }
            guard pretraining == .autoencoder || c.method.acceptsContrastive else {
                throw TrainingError(description: "\(c.method.rawValue.uppercased()) fine-tunes an autoencoder; "
                    + "it cannot start from a contrastive encoder")
            }
            let architecture = pretrainedArchitecture(c)
            var networks: [Network<B>] = []
            for e in 0 ..< c.encoders {
                if let earlier = try reuse(e) {
                    networks.append(earlier.network)
                    pretrainLosses.append(earlier.loss)
                    continue
                }
                var own = c
                own.seed = c.seed &+ UInt64(e)
                let net = try Network(architecture, backend: backend, seed: own.seed)
                let which = c.encoders == 1 ? "" : " \(e + 1)/\(c.encoders)"
                pretrainLosses.append(try timed("pretraining") {
                    try pretrain(net, images: images, configuration: own, which: which, progress: progress)
                })
                try pretrained(e, net, pretrainLosses[e])
                // Several: keep the weights only (a trained network holds its batch buffers, ~300 MB for SimCLR's).
                networks.append(c.encoders == 1 ? net : try net.copy(seed: own.seed))
            }
            (network, others) = (networks[0], Array(networks.dropFirst()))
        }
        let pretrainLoss = pretrainLosses.first
        let count = images.count
        let all = [network] + others
        if let odd = others.first(where: { $0.architecture.task != network.architecture.task }) {
            throw TrainingError(description: "\(odd.architecture) and \(network.architecture) are different kinds of network; "
                + "N2D combines encoders of one kind")
        }
        let codeStage = { (i: Int) in all.count == 1 ? "codes" : "codes \(i + 1)/\(all.count)" }
        var codes = try timed("codes") {
            try network.infer(images.images, count: count, through: network.featureLayer) { progress(codeStage(0), $0, count) }
        }
        let dims = network.featureSize
        switch c.method {
        case .n2d:
            guard c.n2dRuns >= 1 else { throw TrainingError(description: "--n2d-runs \(c.n2dRuns) must be at least 1") }
            var partitions: [[Int32]] = []
            let runs = all.count * c.n2dRuns
            // Several runs: each encoder's runs share its k-NN graph (it depends on no seed: the same
            // layouts) and are prepared as its codes come; their steps then go at once, in waves of
            // whole encoders' runs that fill the host's threads (so memory holds about that many).
            var prepared: [UMAP.Prepared] = [], seeds: [UInt64] = []
            func runPrepared() throws {
                partitions += try n2dRunsTogether(&prepared, rows: count, seeds: seeds, configuration: c, backend: backend, notes: &notes,
                                                  record: { seconds.append(($0, $1)) }, progress: progress)
                (prepared, seeds) = ([], [])
            }
            for (i, net) in all.enumerated() {
                if i > 0 {
                    // Inferred by a copy, whose batch buffers (~100 MB for SimCLR at 1,024 images) go with it,
                    // so that nine encoders do not hold nine sets: the same weights, the same codes.
                    codes = try timed("codes") {
                        try net.copy(seed: c.seed).infer(images.images, count: count, through: net.featureLayer) {
                            progress(codeStage(i), $0, count)
                        }
                    }
                }
                let ownSeeds = (0 ..< c.n2dRuns).map { c.seed &+ 100 &* UInt64($0) &+ UInt64(i) }
                if runs == 1 {
                    partitions.append(try n2dRun(codes, rows: count, dim: net.featureSize, seed: ownSeeds[0], configuration: c,
                                                 backend: backend, notes: &notes, record: { seconds.append(($0, $1)) }) { progress($0, $1, $2) })
                    break
                }
                let encoder = all.count == 1 ? "" : " \(i + 1)/\(all.count)"
                let shared = try timed("k-NN") {
                    try UMAP.neighbours(codes, rows: count, dim: net.featureSize, configuration: umapConfiguration(c, seed: c.seed),
                                        backend: backend) { _, done, total in progress("k-NN" + encoder, done, total) }
                }
                prepared += try timed("UMAP start") {
                    try ownSeeds.enumerated().map { r, seed in
                        defer { progress("UMAP start" + encoder, r + 1, ownSeeds.count) }
                        return try UMAP.prepare(codes, rows: count, dim: net.featureSize, configuration: umapConfiguration(c, seed: seed),
                                                backend: backend, neighbours: shared)
                    }
                }
                seeds += ownSeeds
                if prepared.count >= CPUThreads.count || i == all.count - 1 { try runPrepared() }
            }
            let labels = runs == 1 ? partitions[0] : try timed("consensus") {
                try ConsensusClustering.fit(partitions, clusters: c.clusters, seed: c.seed, backend: backend).labels
            }
            notes = notes.reduce(into: []) { kept, note in if !kept.contains(note) { kept.append(note) } } // once, not once per run
            return (Result(labels: labels, seconds: seconds, pretrainLoss: pretrainLoss, pretrainLosses: pretrainLosses,
                           selfTraining: nil, semantic: nil, selfLabeling: nil, notes: notes), network)
        case .scan:
            guard c.scanNeighbours >= 1, c.scanNeighbours < count else {
                throw TrainingError(description: "SCAN: \(c.scanNeighbours) neighbours need more than that many images (\(count))")
            }
            let projections = try timed("projections") {
                try network.infer(images.images, count: count, through: network.layers.count - 1) {
                    progress("projections", $0, count)
                }
            }
            let width = network.outputSize
            let graph = try timed("k-NN") {
                try backend.kNearestNeighbours(UMAP.normalisedRows(projections, rows: count, dim: width), rows: count, dim: width, k: c.scanNeighbours, excludeSelf: true) {
                    progress("k-NN", $0, $1)
                }
            }
            var s = c.scan ?? (c.scanUpdate == .network ? .wholeNetwork : SemanticClustering.Configuration())
            (s.clusters, s.seed) = (c.clusters, c.seed)
            let fitted = try timed("SCAN") {
                switch c.scanUpdate {
                case .heads:
                    return try SemanticClustering.fit(features: codes, rows: count, dim: dims, neighbours: graph.indices, configuration: s,
                                                      backend: backend) { progress("SCAN", $0, $1) }
                case .network:
                    codes = []
                    return try SemanticClustering.fitNetwork(network, images: images.images, count: count, neighbours: graph.indices,
                                                             configuration: s) { progress("SCAN", $0, $1) }
                }
            }
            var labels = fitted.labels, selfLabeled: SelfLabeling.Result?
            if var l = c.selfLabeling {
                codes = []
                l.seed = c.seed
                selfLabeled = try timed("self-labelling") {
                    try SelfLabeling.fit(network, headWeight: fitted.headWeight, headBias: fitted.headBias, images: images.images, count: count,
                                         configuration: l) { progress("self-labelling", $0, $1) }
                }
                labels = selfLabeled!.labels
                if selfLabeled!.confidentPerEpoch.allSatisfy({ $0 == 0 }) {
                    notes.append("note: no image was predicted with probability above \(l.threshold); self-labelling changed nothing")
                }
            }
            return (Result(labels: labels, seconds: seconds, pretrainLoss: pretrainLoss, pretrainLosses: pretrainLosses,
                           selfTraining: nil, semantic: fitted, selfLabeling: selfLabeled, notes: notes), network)
        case .dec, .idec:
            var k = KMeans.Configuration()
            (k.k, k.restarts, k.seed) = (c.clusters, c.kMeansRestarts, c.seed)
            let start = try timed("K-means") {
                try KMeans.fit(codes, rows: count, dim: dims, configuration: k, backend: backend) { i, _ in progress("K-means", i, k.maxIterations) }
            }
            codes = []
            var s = c.selfTraining
            (s.variant, s.seed) = (c.method == .dec ? .dec : .idec, c.seed)
            let fitted = try timed("self-training") {
                try DeepEmbeddedClustering.fit(network: network, images: images.images, count: count, initialCentroids: start.centres,
                                               configuration: s) { done, total, _ in progress(c.method.rawValue.uppercased(), done, total) }
            }
            if !fitted.converged {
                notes.append("note: \(c.method.rawValue.uppercased()) stopped at \(s.maxIterations) batches before fewer than "
                    + "\(s.tolerance * 100) % of labels changed")
            }
            return (Result(labels: fitted.labels, seconds: seconds, pretrainLoss: pretrainLoss, pretrainLosses: pretrainLosses,
                           selfTraining: fitted, semantic: nil, selfLabeling: nil, notes: notes), network)
        }
    }

    /// N2D runs prepared by `UMAP.prepare` (each encoder's on its k-NN graph: the fuzzy set and the
    /// seeded spectral start; `inout`, so the layouts move in place, never copied), one per seed: their
    /// gradient steps — independent, single-threaded in umap-learn's sequential order, and on no
    /// backend — run at once on the host's cores, then a GMM on each layout. Labels in `seeds`' order,
    /// each exactly `n2dRun`'s. `record` gets "UMAP steps" (wall time of the concurrent steps) and "GMM".
    static func n2dRunsTogether<B: ComputeBackend>(_ prepared: inout [UMAP.Prepared], rows count: Int, seeds: [UInt64],
                                                   configuration c: Configuration, backend: B, notes: inout [String], record: (String, Double) -> Void,
                                                   progress: (String, Int, Int) -> Void) throws -> [[Int32]] {
        precondition(prepared.count == seeds.count, "n2dRunsTogether: \(prepared.count) layouts for \(seeds.count) seeds")
        var clock = Date()
        var layouts: [UMAP.Result]
        if prepared.allSatisfy(\.runsOnHost) {
            // Each thread writes only its own slot and its own prepared layout.
            var done: [UMAP.Result?] = Array(repeating: nil, count: seeds.count)
            done.withUnsafeMutableBufferPointer { slots in
                prepared.withUnsafeMutableBufferPointer { runs in
                    DispatchQueue.concurrentPerform(iterations: runs.count) { r in slots[r] = runs[r].optimiseOnHost() }
                }
            }
            layouts = done.map { $0! }
            progress("UMAP steps", seeds.count, seeds.count)
        } else {
            layouts = []
            for r in prepared.indices { layouts.append(try prepared[r].optimise(backend: backend)); progress("UMAP steps", r + 1, seeds.count) }
        }
        record("UMAP steps", Date().timeIntervalSince(clock))
        clock = Date()
        var labels: [[Int32]] = []
        for (layout, seed) in zip(layouts, seeds) {
            notes += layout.notes
            labels.append(try mixtureLabels(layout, rows: count, seed: seed, configuration: c, backend: backend, notes: &notes))
            progress("GMM", labels.count, seeds.count)
        }
        record("GMM", Date().timeIntervalSince(clock))
        return labels
    }

    /// N2D's UMAP settings (`Configuration`'s), seeded `seed`.
    static func umapConfiguration(_ c: Configuration, seed: UInt64) -> UMAP.Configuration {
        var u = UMAP.Configuration()
        (u.dims, u.neighbours, u.minDist, u.seed) = (c.umapDims ?? c.clusters, c.umapNeighbours, c.umapMinDist, seed)
        u.updates = c.umapUpdates
        return u
    }

    /// One N2D run on `codes [rows, dim]`: UMAP (N2D's settings, `seed`), then a full-covariance GMM
    /// (`seed`) on the layout; its labels. `record(stage, seconds)` gets "UMAP" and "GMM".
    static func n2dRun<B: ComputeBackend>(_ codes: [Float], rows count: Int, dim: Int, seed: UInt64, configuration c: Configuration,
                                          backend: B, notes: inout [String], record: (String, Double) -> Void,
                                          progress: (String, Int, Int) -> Void) throws -> [Int32] {
        var start = Date()
        let layout = try UMAP.fit(codes, rows: count, dim: dim, configuration: umapConfiguration(c, seed: seed), backend: backend) {
            stage, done, total in progress("UMAP \(stage)", done, total)
        }
        record("UMAP", Date().timeIntervalSince(start))
        notes += layout.notes
        start = Date()
        let labels = try mixtureLabels(layout, rows: count, seed: seed, configuration: c, backend: backend, notes: &notes) {
            progress("GMM", $0, $1)
        }
        record("GMM", Date().timeIntervalSince(start))
        return labels
    }

    /// N2D's clusters of a layout: a full-covariance GMM of `clusters` components (`seed`), each
    /// point's most likely one; a note when EM did not converge. `progress(iteration, most)`.
    static func mixtureLabels<B: ComputeBackend>(_ layout: UMAP.Result, rows count: Int, seed: UInt64, configuration c: Configuration,
                                                 backend: B, notes: inout [String],
                                                 progress: (Int, Int) -> Void = { _, _ in }) throws -> [Int32] {
        var g = GaussianMixture.Configuration()
        (g.components, g.covariance, g.seed) = (c.clusters, .full, seed)
        let model = try GaussianMixture.fit(layout.embedding, rows: count, dim: c.umapDims ?? c.clusters, configuration: g,
                                            backend: backend) { i, _ in progress(i, g.maxIterations) }
        if !model.converged { notes.append("note: the Gaussian mixture did not converge in \(g.maxIterations) iterations") }
        return model.predict(layout.embedding, rows: count).map(Int32.init)
    }

    /// What `run` pretrains without a given network: the SimCLR encoder (`pretraining` contrastive, SCAN's
    /// default) of `latent` features (default 128), else the dense autoencoder of bottleneck `latent` (default 10).
    public static func pretrainedArchitecture(_ c: Configuration) -> Architecture {
        let pretraining = c.pretraining ?? (c.method == .scan ? .contrastive : .autoencoder)
        return pretraining == .contrastive ? .simclr(features: c.latent ?? ArchitectureRequest.defaultFeatures)
            : .denseAutoencoder(latent: c.latent ?? ArchitectureRequest.defaultLatent)
    }

    /// Adam (lr 0.001, batch 256, seeded shuffle) on the network's loss (reconstruction MSE at a constant
    /// rate, or NT-Xent with the cosine schedule, `fmnist train`'s defaults); returns the last epoch's mean loss.
    static func pretrain<B: ComputeBackend>(_ network: Network<B>, images: LabeledImages, configuration c: Configuration,
                                            which: String = "", progress: Progress) throws -> Double {
        var settings = TrainingSettings()
        (settings.seed, settings.epochs, settings.shiftPixels) = (c.seed, c.pretrainEpochs, c.pretrainShift)
        if network.architecture.task == .contrastive { settings.schedule = .cosine }
        let trainer = try Trainer(network: network, settings: settings)
        let all = Array(0 ..< images.count)
        var last = Double.nan
        for epoch in 0 ..< c.pretrainEpochs {
            let losses = try trainer.trainEpoch(images, indices: all, epoch: epoch) { p in
                progress("pretraining\(which) epoch \(epoch + 1)/\(c.pretrainEpochs)", p.batch, p.batches)
            }
            last = losses.map(Double.init).reduce(0, +) / Double(max(1, losses.count))
        }
        return last
    }
}

extension DeepClustering.Method {
    /// Whether the method can cluster a contrastive encoder's features (N2D, SCAN) rather than
    /// needing an autoencoder (DEC, IDEC).
    public var acceptsContrastive: Bool { self == .n2d || self == .scan }
}

/// What SCAN's clustering step trains: the heads alone on fixed features, or the encoder with them.
public enum SCANUpdate: String, CaseIterable, Sendable { case heads, network }

extension DeepClustering {
    /// What `run` pretrains when it is given no network.
    public enum Pretraining: String, CaseIterable, Sendable { case autoencoder, contrastive }
}
