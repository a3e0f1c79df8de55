/// The workloads `fmnist bench` runs, by op family.
public enum BenchSuite {
    /// Op families that can be selected with `--ops`.
    public static let families = ["gemm", "training", "layers", "distances", "elementwise", "reductions", "clustering", "neighbours"]

    /// Square GEMM sizes timed by default.
    public static let defaultGemmSizes = [128, 256, 512, 1024, 2048, 4096]

    /// The workloads of `families`, with square GEMMs at `gemmSizes` and layers at batch `layerBatch`.
    public static func workloads(families: [String], gemmSizes: [Int], layerBatch: Int = 256) -> [any BenchWorkload] {
        var result: [any BenchWorkload] = []
        for family in families {
            switch family {
            case "gemm":
                result += gemmSizes.map { GemmWorkload(m: $0, n: $0, k: $0) }
            case "training":
                // The products inside training at batch 256: dense layers forward and backward,
                // the convolutions as im2col GEMMs, and SimCLR's loss over the batch's 512 views.
                result += [
                    GemmWorkload(m: 256, n: 10, k: 3136, transB: true, label: "ae.encoder.fc fwd"),
                    GemmWorkload(m: 256, n: 3136, k: 10, transB: true, label: "ae.decoder.fc fwd"),
                    GemmWorkload(m: 256, n: 128, k: 3136, transB: true, label: "cnn.fc1 fwd"),
                    GemmWorkload(m: 128, n: 3136, k: 256, transA: true, label: "cnn.fc1 dW"),
                    GemmWorkload(m: 256, n: 3136, k: 128, label: "cnn.fc1 dX"),
                    GemmWorkload(m: 50_176, n: 32, k: 9, label: "conv1 im2col"),
                    GemmWorkload(m: 12_544, n: 64, k: 288, label: "ae.conv2 im2col"),
                    GemmWorkload(m: 50_176, n: 64, k: 288, label: "cnn.conv2 im2col"),
                    NTXentWorkload(rows: 512, dims: 64),
                ]
            case "layers":
                result += LayerWorkload.trainingLayers(batch: layerBatch)
            case "distances":
                result += [
                    NearestWorkload(rows: 70_000, candidates: 10, dim: 784),
                    NearestWorkload(rows: 10_000, candidates: 10_000, dim: 784),
                    NearestWorkload(rows: 70_000, candidates: 10, dim: 10),
                ]
            case "elementwise":
                result += [MapWorkload(.relu, count: 1 << 24), MapWorkload(.exp, count: 1 << 24),
                           MapWorkload(.sigmoid, count: 1 << 24), AxpyWorkload(count: 1 << 24)]
            case "reductions":
                result += [ReduceWorkload(rows: 70_000, cols: 784, axis: .eachRow),
                           ReduceWorkload(rows: 70_000, cols: 784, axis: .eachColumn)]
            case "clustering":
                // K-means' device step, and DBSCAN's neighbour counts over 70,000 x 10 (PCA-10 sized).
                result += [KMeansStepWorkload(rows: 70_000, dim: 784, k: 10), KMeansStepWorkload(rows: 70_000, dim: 10, k: 10),
                           RadiusCountWorkload(rows: 70_000, dim: 10, radius: 1)]
            case "neighbours":
                // The k-NN graph's device part: 10,000 raw images, and 70,000 points of PCA-64 (what
                // UMAP searches on the CPU backend); and HDBSCAN's core distances at min-cluster-size
                // 200 on 70,000 x 10 (k 208: the 200th neighbour and HDBSCAN's 8 spare candidates),
                // where the top-k selection, not the GEMM, is the work (`FMNIST_TOPK` picks its kernel).
                // The 70,000 x 784 graph is a GPU's job: time it with `--ops neighbours` there after
                // adding it here if needed.
                result += [NeighboursWorkload(rows: 10_000, dim: 784, k: 16), NeighboursWorkload(rows: 70_000, dim: 64, k: 16),
                           NeighboursWorkload(rows: 70_000, dim: 10, k: 208)]
            default:
                break
            }
        }
        return result
    }
}
