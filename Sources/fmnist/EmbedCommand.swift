import ArgumentParser
import Backend
import Dataset
import Foundation
import Imaging
import Progress
import Reduce

/// `fmnist embed`: reduces features (a .npy file or a split's raw pixels) to `--dims` dimensions
/// and writes them as .npy, with an optional scatter and trustworthiness.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Reduce features or raw pixels with PCA, NMF, t-SNE, UMAP or densMAP; writes float32 [N, dims] .npy, optionally a scatter and trustworthiness.")

    enum Method: String, CaseIterable, ExpressibleByArgument { case pca, nmf, tsne, umap, densmap }

    @Option(help: "Method: pca, nmf, tsne, umap or densmap (UMAP with the density-preserving term).")
    var method: Method = .umap

    @Option(help: "Features as .npy, float32 or float64 [N, D].")
    var input: String?

    @Option(help: "Embed a split instead: train, val, test or all (training then test images, file order).")
    var split: ModelInput.Split?

    @Option(help: "With --split: which features (raw: the 784 pixels).")
    var features: String = "raw"

    @Option(name: [.customLong("dims"), .customLong("n-components")],
            help: "Output dimensions (scikit-learn/umap-learn: n_components; default 2, or the model's with --transform-with).")
    var dimsOption: Int?

    var dims: Int { dimsOption ?? 2 }

    @Option(help: "Embedding output (.npy, float32 [N, dims]).")
    var out: String

    // PCA
    @Option(name: [.customLong("svd-solver"), .customLong("solver")], help: "PCA: exact (covariance eigenvectors) or randomized (Halko et al.). (default: exact)")
    var svdSolverOption: PCA.Solver?
    var svdSolver: PCA.Solver { svdSolverOption ?? .exact }

    @Flag(help: "PCA: scale each component to unit variance.")
    var whiten = false

    @Option(help: "PCA: also write the fitted model (mean, components, variances) to this .safetensors file.")
    var saveModel: String?

    @Option(help: "PCA: do not fit; project with the model in this .safetensors file (from --save-model).")
    var transformWith: String?

    // NMF
    @Option(name: [.customLong("init"), .customLong("initialisation")], help: "NMF start: nndsvda, nndsvd or random (scikit-learn: init). (default: nndsvda)")
    var initialisationOption: NMF.Initialisation?
    var initialisation: NMF.Initialisation { initialisationOption ?? .nndsvda }

    @Option(name: [.customLong("nmf-solver")], help: "NMF: cd (coordinate descent, scikit-learn's default) or mu (multiplicative updates).")
    var nmfSolverOption: NMF.Solver?
    var nmfSolver: NMF.Solver { nmfSolverOption ?? .cd }

    @Option(name: [.customLong("nmf-inner-sweeps")],
            help: "NMF cd: sweeps of W and of H per half-step from the same products with X: 1 (scikit-learn's cd), N, or auto (accelerated HALS, Gillis and Glineur 2012: 1 + rho / 2 each). (default: 1)")
    var nmfInnerSweepsOption: NMF.InnerSweeps?
    var nmfInnerSweeps: NMF.InnerSweeps { nmfInnerSweepsOption ?? .fixed(1) }

    @Option(help: "NMF and t-SNE: most iterations (default: NMF 200; t-SNE 750, the early-exaggeration ones included).")
    var maxIter: Int?

    // t-SNE
    @Option(name: .customLong("perplexity"), help: "t-SNE: perplexity (neighbours: 3 x perplexity + 1, as scikit-learn). (default: 30)")
    var perplexityOption: Double?
    var perplexity: Double { perplexityOption ?? 30 }

    @Option(name: .customLong("early-exaggeration"), help: "t-SNE: early exaggeration (for the first 250 iterations). (default: 12)")
    var earlyExaggerationOption: Double?
    var earlyExaggeration: Double { earlyExaggerationOption ?? 12 }

    @Option(help: "t-SNE: learning rate in scikit-learn's units (default: openTSNE's auto, N / exaggeration in its units: scikit-learn's N / 48 while exaggerated, N / 4 after).")
    var learningRate: Double?

    @Option(name: .customLong("tsne-gradient"), help: "t-SNE repulsion: auto (exact up to 2,000 points, else fft), exact or fft (FIt-SNE interpolation). (default: auto)")
    var tsneGradientOption: TSNE.Gradient?
    var tsneGradient: TSNE.Gradient { tsneGradientOption ?? .auto }

    @Option(name: .customLong("interpolation-nodes"), help: "t-SNE fft: interpolation nodes per box (openTSNE's n_interpolation_points; more is more accurate and slower). (default: 3)")
    var interpolationNodesOption: Int?
    var interpolationNodes: Int { interpolationNodesOption ?? 3 }

    @Option(name: .customLong("tol"), help: "NMF: stopping tolerance (scikit-learn's tol): cd stops when an iteration's summed steps fall to this share of the first iteration's, mu when the error fell by less than this share of the initial error over 10 iterations. (default: 1e-4)")
    var tolOption: Double?
    var tol: Double { tolOption ?? 1e-4 }

    // UMAP
    @Option(name: [.customLong("n-neighbors")], help: "UMAP: neighbours of the k-NN graph (the point itself included, as umap-learn). (default: 15)")
    var nNeighborsOption: Int?
    var nNeighbors: Int { nNeighborsOption ?? 15 }

    @Option(name: .customLong("min-dist"), help: "UMAP: minimum distance between embedded points. (default: 0.1)")
    var minDistOption: Double?
    var minDist: Double { minDistOption ?? 0.1 }

    @Option(name: .customLong("spread"), help: "UMAP: scale of the embedded points. (default: 1)")
    var spreadOption: Double?
    var spread: Double { spreadOption ?? 1 }

    @Option(name: .customLong("metric"), help: "UMAP: euclidean or cosine. (default: euclidean)")
    var metricOption: UMAP.Metric?
    var metric: UMAP.Metric { metricOption ?? .euclidean }

    @Option(name: .customLong("knn"), help: "UMAP k-NN search: auto (projected on the CPU backend above 20,000 points of more than 64 features, else exact), exact, or projected (candidates from PCA-64, ranked exactly; recall reported). (default: auto)")
    var knnOption: UMAP.NeighbourSearch?
    var knn: UMAP.NeighbourSearch { knnOption ?? .auto }

    @Option(name: .customLong("sgd"), help: "UMAP / densMAP gradient steps: auto (synchronous on an OpenCL GPU for plain UMAP, else blocked), blocked (umap-learn's order within 16 blocks of nearby points, the blocks across the cores; the same layout on any number of cores), sequential (umap-learn's order, one core) or synchronous (a sweep from each epoch's start, across the cores or on the device; faster, less converged). (default: auto)")
    var sgdOption: UMAP.Updates?
    var sgd: UMAP.Updates { sgdOption ?? .auto }

    @Option(name: .customLong("dens-lambda"), help: "densMAP: weight of the density-preserving term (umap-learn's dens_lambda). (default: 2)")
    var densLambdaOption: Double?
    var densLambda: Double { densLambdaOption ?? 2 }

    @Option(name: .customLong("graph"), help: "UMAP neighbour graph: knn, or mutual (mutual neighbours only, isolated points reconnected; Dalmia and Sia 2021). (default: knn)")
    var graphOption: UMAP.Graph?
    var graph: UMAP.Graph { graphOption ?? .knn }

    @Option(name: [.customLong("epochs"), .customLong("n-epochs")], help: "UMAP: optimisation epochs (default: 200 above 10,000 points, else 500; densMAP 200 more, as umap-learn).")
    var epochs: Int?

    // Views and scores
    @Option(help: "Draw the first two dimensions as a scatter (.png or .svg), coloured by the true classes with --split or by --color-by.")
    var scatter: String?

    @Option(help: "Labels (.npy, integer, -1 noise) to colour the scatter by, e.g. cluster labels.")
    var colorBy: String?

    @Flag(help: "Leave noise points (label -1) out of the scatter.")
    var hideNoise = false

    @Flag(help: "Measure trustworthiness and k-NN preservation (k = --trust-k) of the embedding.")
    var trustworthiness = false

    @Option(help: "Neighbours for trustworthiness.")
    var trustK: Int = 10

    @Option(name: [.customLong("sample"), .customLong("sample-size")], help: "Points (seeded) on which trustworthiness is measured.")
    var sample: Int = 5000

    @Flag(help: "Print a JSON report (timings per phase, explained variance, trustworthiness).")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.npy)
        try FeatureMatrix.checkSource(input: input, split: split, data: data)
        guard features == "raw" else { throw ValidationError("--features '\(features)' is unknown; only raw (pixels) — pass other features with --input") }
        guard dims >= 1 else { throw ValidationError("--dims \(dims) must be at least 1") }
        try OutputPath.check(scatter, flag: "--scatter", extensions: OutputPath.figures)
        if scatter != nil && dims < 2 { throw ValidationError("--scatter needs --dims 2 or more") }
        if colorBy != nil && scatter == nil { throw ValidationError("--color-by needs --scatter") }
        if hideNoise && scatter == nil { throw ValidationError("--hide-noise needs --scatter") }
        for (flag, typed) in [("--trust-k", trustK != 10), ("--sample", sample != 5000)] where typed && !trustworthiness {
            throw ValidationError("\(flag) needs --trustworthiness")
        }
        guard trustK >= 1 else { throw ValidationError("--trust-k \(trustK) must be at least 1") }
        guard sample >= 2 else { throw ValidationError("--sample \(sample) must be at least 2") }
        try MethodOption.refuseInapplicable(methodOptions, method: method)
        if transformWith != nil && (saveModel != nil || whiten || svdSolverOption != nil) {
            throw ValidationError("--transform-with uses a fitted model: --save-model, --whiten and --svd-solver do not apply")
        }
        try OutputPath.check(saveModel, flag: "--save-model", extensions: ["safetensors"])
        if nmfSolver != .cd && nmfInnerSweepsOption != nil { throw ValidationError("--nmf-inner-sweeps applies to --nmf-solver cd") }
        guard (2 ... 8).contains(interpolationNodes) else { throw ValidationError("--interpolation-nodes \(interpolationNodes) must be between 2 and 8") }
        if interpolationNodesOption != nil && tsneGradient == .exact {
            throw ValidationError("--interpolation-nodes applies to tsne's fft gradient, not --tsne-gradient exact")
        }
        let deterministic = (method == .pca && svdSolver == .exact) || (method == .nmf && initialisation != .random)
        if deterministic && !trustworthiness {
            try data.refuseSeed("\(method == .pca ? "exact PCA" : "NMF from --init \(initialisation.rawValue)") draws nothing at random")
        }
        if method == .tsne && dims != 2 { throw ValidationError("--dims \(dims): t-SNE embeds in 2 dimensions") }
        if let maxIter, maxIter < 1 { throw ValidationError("--max-iter \(maxIter) must be at least 1") }
        guard tol >= 0 else { throw ValidationError("--tol \(tol) must not be negative") }
    }

    /// Which methods read each method-specific option: typing one for another method is an error,
    /// never silently ignored.
    var methodOptions: [MethodOption<Method>] {
        let umap: [Method] = [.umap, .densmap]
        return [
            .init(flag: "--svd-solver", typed: svdSolverOption != nil, methods: [.pca]),
            .init(flag: "--whiten", typed: whiten, methods: [.pca]),
            .init(flag: "--save-model", typed: saveModel != nil, methods: [.pca]),
            .init(flag: "--transform-with", typed: transformWith != nil, methods: [.pca]),
            .init(flag: "--init", typed: initialisationOption != nil, methods: [.nmf]),
            .init(flag: "--nmf-solver", typed: nmfSolverOption != nil, methods: [.nmf]),
            .init(flag: "--nmf-inner-sweeps", typed: nmfInnerSweepsOption != nil, methods: [.nmf]),
            .init(flag: "--tol", typed: tolOption != nil, methods: [.nmf]),
            .init(flag: "--max-iter", typed: maxIter != nil, methods: [.nmf, .tsne]),
            .init(flag: "--perplexity", typed: perplexityOption != nil, methods: [.tsne]),
            .init(flag: "--early-exaggeration", typed: earlyExaggerationOption != nil, methods: [.tsne]),
            .init(flag: "--learning-rate", typed: learningRate != nil, methods: [.tsne]),
            .init(flag: "--tsne-gradient", typed: tsneGradientOption != nil, methods: [.tsne]),
            .init(flag: "--interpolation-nodes", typed: interpolationNodesOption != nil, methods: [.tsne]),
            .init(flag: "--n-neighbors", typed: nNeighborsOption != nil, methods: umap),
            .init(flag: "--min-dist", typed: minDistOption != nil, methods: umap),
            .init(flag: "--spread", typed: spreadOption != nil, methods: umap),
            .init(flag: "--metric", typed: metricOption != nil, methods: umap),
            .init(flag: "--knn", typed: knnOption != nil, methods: umap),
            .init(flag: "--sgd", typed: sgdOption != nil, methods: umap),
            .init(flag: "--graph", typed: graphOption != nil, methods: umap),
            .init(flag: "--epochs", typed: epochs != nil, methods: umap),
            .init(flag: "--dens-lambda", typed: densLambdaOption != nil, methods: [.densmap]),
        ]
    }

    struct Report: Codable {
        var method: String, points: Int, features: Int, dims: Int, seconds: [String: Double]
        var explainedVarianceRatio: [Double]?
        var a: Double?, b: Double?, epochs: Int?, edges: Int?, neighbourRecall: Double?, sgd: String?
        var reconstructionError: Double?, iterations: Int?, klDivergence: Double?
        var trustworthiness: Trustworthiness.Result?
        var output: String
    }

    func run() throws {
        let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
        try embed(on: backend)
    }

    private func embed<B: ComputeBackend>(on backend: B) throws {
        let points = try FeatureMatrix.load(input: input, split: split, data: data)
        let (x, n, d) = (points.values, points.rows, points.dim)
        let progress = ProgressReporter.standardError(silent: json || quiet)
        let start = Date()
        var report = Report(method: method.rawValue, points: n, features: d, dims: dims, seconds: [:], output: out)
        let embedding: [Float]
        do {
            switch method {
            case .pca where transformWith != nil:
                let model = try PCA.Model(contentsOf: transformWith!)
                guard model.dim == d else { throw ValidationError("--transform-with \(transformWith!): the model takes \(model.dim) features, the data has \(d)") }
                if let dimsOption, dimsOption != model.count {
                    throw ValidationError("--dims \(dimsOption) contradicts --transform-with \(transformWith!), which has \(model.count) components")
                }
                embedding = try model.transform(x, rows: n, backend: backend)
                report.dims = model.count
                report.explainedVarianceRatio = model.explainedVarianceRatio
                report.seconds["pca"] = Date().timeIntervalSince(start)
            case .pca:
                var c = PCA.Configuration(components: dims)
                (c.solver, c.whiten, c.seed) = (svdSolver, whiten, data.seed)
                let (model, y) = try PCA.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                embedding = y
                report.explainedVarianceRatio = model.explainedVarianceRatio
                if let saveModel { try model.write(to: saveModel) }
                report.seconds["pca"] = Date().timeIntervalSince(start)
            case .nmf:
                var c = NMF.Configuration(components: dims)
                (c.initialisation, c.solver, c.tolerance, c.seed) = (initialisation, nmfSolver, tol, data.seed)
                (c.innerSweepsW, c.innerSweepsH) = nmfInnerSweeps.counts(rows: n, dim: d, components: dims)
                if let maxIter { c.maxIterations = maxIter }
                progress.start("NMF \(nmfSolver.rawValue) iterations (at most)", total: c.maxIterations, unit: "iterations")
                let result = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend) { done, _ in progress.update(done) }
                progress.finish()
                embedding = result.w
                (report.reconstructionError, report.iterations) = (result.reconstructionError, result.iterations)
                report.seconds["nmf"] = Date().timeIntervalSince(start)
            case .tsne:
                var c = TSNE.Configuration()
                (c.perplexity, c.earlyExaggeration, c.learningRate, c.gradient, c.seed) = (perplexity, earlyExaggeration, learningRate, tsneGradient, data.seed)
                c.interpolationNodes = interpolationNodes
                if let maxIter { c.iterations = maxIter; c.earlyIterations = min(c.earlyIterations, maxIter) }
                let result = try TSNE.fit(x, rows: n, dim: d, configuration: c, backend: backend) { name, done, total in
                    progress.update(phase: name, prefix: "t-SNE ", done: done, total: total, unit: name == "k-NN" ? "rows" : "iterations")
                }
                progress.finish()
                embedding = result.embedding
                (report.klDivergence, report.seconds) = (result.klDivergence, result.seconds)
            case .umap, .densmap:
                var c = UMAP.Configuration()
                if method == .densmap { c.densityLambda = densLambda }
                (c.dims, c.neighbours, c.minDist, c.spread, c.metric, c.epochs, c.seed) = (dims, nNeighbors, minDist, spread, metric, epochs, data.seed)
                // densMAP's epochs even at --dens-lambda 0, as umap-learn's densmap=True, dens_lambda=0.
                if method == .densmap, epochs == nil { c.epochs = UMAP.defaultEpochs(points: n, densMAP: true) }
                (c.graph, c.neighbourSearch, c.updates) = (graph, knn, sgd)
                let prefix = method == .densmap ? "densMAP " : "UMAP "
                let result = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend) { name, done, total in
                    progress.update(phase: name, prefix: prefix, done: done, total: total, unit: name == "k-NN" ? "rows" : "epochs")
                }
                progress.finish()
                result.notes.forEach(note)
                embedding = result.embedding
                (report.a, report.b, report.epochs, report.edges, report.seconds) = (result.curve.a, result.curve.b, result.epochs, result.edges, result.seconds)
                (report.neighbourRecall, report.sgd) = (result.neighbourRecall, result.updates.rawValue)
            }
        } catch let error as ReduceError {
            throw ValidationError(error.description)
        }
        let width = report.dims
        try NPYArray(shape: [n, width], elements: .float32(embedding)).write(to: out)
        report.seconds["total"] = Date().timeIntervalSince(start)
        if trustworthiness {
            let t0 = Date()
            report.trustworthiness = try Trustworthiness.measure(input: x, dim: d, embedding: embedding, dims: width, rows: n, k: trustK,
                                                                 sample: sample, seed: data.seed, backend: backend)
            report.seconds["trustworthiness"] = Date().timeIntervalSince(t0)
        }
        if let scatter { try drawScatter(scatter, embedding: embedding, rows: n, dims: width, labels: points.labels) }
        if json { print(try jsonString(report)); return }
        var line = "\(method.rawValue): \(n) points x \(d) -> \(width) dims, \(String(format: "%.2f", report.seconds["total"]!)) s; wrote \(out)"
        if let ratio = report.explainedVarianceRatio { line += String(format: "; explained variance %.4f", ratio.reduce(0, +)) }
        if let kl = report.klDivergence { line += String(format: "; KL divergence %.4f", kl) }
        if let error = report.reconstructionError, let i = report.iterations { line += String(format: "; reconstruction error %.6g after %d iterations", error, i) }
        print(line)
        if let t = report.trustworthiness {
            print(String(format: "trustworthiness %.4f, k-NN preservation %.4f (k %d, %d points)", t.trustworthiness, t.neighbourPreservation, t.k, t.points))
        }
    }

    private func drawScatter(_ path: String, embedding: [Float], rows n: Int, dims: Int, labels truth: [Int64]?) throws {
        guard dims >= 2 else { throw ValidationError("--scatter needs 2 or more dimensions; the embedding has \(dims)") }
        var labels = truth.map { $0.map(Int.init) } ?? [Int](repeating: 0, count: n)
        var names = truth == nil ? ["points"] : FashionMNIST.classNames
        if let colorBy {
            let values: [Int64]
            do { values = try LabelFile.read(colorBy) } catch let error as DataError { throw ValidationError("--color-by \(error)") }
            guard values.count == n else { throw ValidationError("--color-by \(colorBy): need \(n) labels, got \(values.count)") }
            labels = values.map(Int.init)
            names = []
        }
        let xy = (0 ..< n).flatMap { [embedding[$0 * dims], embedding[$0 * dims + 1]] }
        var chart = ScatterChart(title: "\(method.rawValue.uppercased())-\(dims) of \(n) points" + (dims > 2 ? " (first two dims)" : ""),
                                 points: xy, labels: labels, names: names)
        chart.showNoise = !hideNoise
        try chart.write(to: path)
    }
}

extension PCA.Solver: ExpressibleByArgument {}
extension NMF.Initialisation: ExpressibleByArgument {}
extension NMF.InnerSweeps: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "auto" { self = .accelerated } else if let n = Int(argument), n >= 1 { self = .fixed(n) } else { return nil }
    }
}
extension NMF.Solver: ExpressibleByArgument {}
extension TSNE.Gradient: ExpressibleByArgument {}
extension UMAP.Metric: ExpressibleByArgument {}
extension UMAP.Graph: ExpressibleByArgument {}
extension UMAP.NeighbourSearch: ExpressibleByArgument {}
extension UMAP.Updates: ExpressibleByArgument {}
