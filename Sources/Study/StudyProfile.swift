/// How much of the study runs: `quick` (CI and a first look: the 10,000 test images, short training,
/// a reduced grid; a few minutes on two CPU cores) or `full` (all 70,000 images, the seeds' whole
/// grid). Every number that shapes a result is here, so the cache keys and the report can name it.
public struct StudyProfile: Sendable, Codable, Equatable {
    public enum Name: String, Sendable, Codable, CaseIterable { case quick, full }

    public var name: Name
    /// Cluster (and reduce, and picture) all 70,000 images; otherwise the 10,000 test images.
    public var allImages: Bool
    /// Cluster only the first N of those images (tests); nil: all of them.
    public var clusterLimit: Int? = nil
    /// Training images for the models: the first N of the training split, or all of it (nil).
    public var trainingLimit: Int?
    public var autoencoderEpochs: Int
    public var classifierEpochs: Int
    /// Bottleneck sizes of the conv and dense autoencoders (seed 004: 10, 20, 80).
    public var latents: [Int]
    /// Output sizes of PCA, NMF and UMAP of the pixels (seed 004: 10, 20, 80).
    public var components: [Int]
    /// NMF's iteration cap (scikit-learn's default is 200).
    public var nmfIterations: Int
    /// Points the silhouette is computed on (scikit-learn's `sample_size`).
    public var silhouetteSample: Int
    /// k range of the elbow and silhouette curves (seed 002: 2..15).
    public var elbowRange: ClosedRange<Int>
    /// Points drawn (stratified by nothing: uniformly, seeded) for the dendrograms.
    public var dendrogramSample: Int
    /// Ward, HDBSCAN and the other hierarchical methods run on feature sets of at most this many
    /// dimensions (their cost grows with n^2 d; above it K-means and GMM still run).
    public var hierarchicalMaxDim: Int
    /// Single, complete and average linkage (seed 002) run on the smallest conv-AE codes when there
    /// are at most this many points (at 70,000 each takes over a minute here; the dendrograms of a
    /// sample still show all three).
    public var linkageMaxPoints: Int
    /// t-SNE iterations for the views (scikit-learn's default is 1000).
    public var tsneIterations: Int
    /// Batches of IDEC self-training on the smallest dense autoencoder (IDEC's own cap is 20,000;
    /// the study's is a time budget, fixed here, not chosen by a score).
    public var selfTrainingIterations: Int

    public static let quick = StudyProfile(
        name: .quick, allImages: false, trainingLimit: 10_000, autoencoderEpochs: 3, classifierEpochs: 2, latents: [10],
        components: [10, 20], nmfIterations: 100, silhouetteSample: 2_000, elbowRange: 2 ... 15, dendrogramSample: 1_000,
        hierarchicalMaxDim: 128, linkageMaxPoints: 20_000, tsneIterations: 500,
        selfTrainingIterations: 280)

    public static let full = StudyProfile(
        name: .full, allImages: true, trainingLimit: nil, autoencoderEpochs: 4, classifierEpochs: 4, latents: [10, 20, 80],
        components: [10, 20, 80], nmfIterations: 200, silhouetteSample: 5_000, elbowRange: 2 ... 15, dendrogramSample: 2_000,
        hierarchicalMaxDim: 10, linkageMaxPoints: 20_000, tsneIterations: 750,
        selfTrainingIterations: 1_400)

    public static func named(_ name: Name) -> StudyProfile { name == .quick ? quick : full }

    public init(name: Name, allImages: Bool, clusterLimit: Int? = nil, trainingLimit: Int?, autoencoderEpochs: Int, classifierEpochs: Int,
                latents: [Int], components: [Int], nmfIterations: Int, silhouetteSample: Int, elbowRange: ClosedRange<Int>,
                dendrogramSample: Int, hierarchicalMaxDim: Int, linkageMaxPoints: Int, tsneIterations: Int, selfTrainingIterations: Int = 140) {
        (self.name, self.allImages, self.clusterLimit, self.trainingLimit) = (name, allImages, clusterLimit, trainingLimit)
        (self.autoencoderEpochs, self.classifierEpochs, self.latents, self.components) = (autoencoderEpochs, classifierEpochs, latents, components)
        (self.nmfIterations, self.silhouetteSample, self.elbowRange, self.dendrogramSample) = (nmfIterations, silhouetteSample, elbowRange, dendrogramSample)
        (self.hierarchicalMaxDim, self.linkageMaxPoints, self.tsneIterations) = (hierarchicalMaxDim, linkageMaxPoints, tsneIterations)
        self.selfTrainingIterations = selfTrainingIterations
    }
}
