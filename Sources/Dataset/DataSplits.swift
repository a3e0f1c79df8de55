/// The three splits as indices: `train` and `validation` into the official training set, `test`
/// into the official test set. Each list is in file order.
public struct DataSplits: Equatable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    /// Carves a validation set from the training labels by a seeded, stratified draw: from each
    /// class, `round(fraction * classCount)` images chosen uniformly (SplitMix64 seeded with `seed`
    /// and the class), the rest stay in `train`. With fraction 0, `train` is every image in file order.
    /// `limit` then keeps the first `limit` of each split (in file order).
    public init(trainLabels: [Int32], testCount: Int, validationFraction: Double, seed: UInt64, limit: Int? = nil) throws {
        guard validationFraction >= 0, validationFraction < 1, validationFraction.isFinite else {
            throw DataError("--val-fraction \(validationFraction) must be in [0, 1)")
        }
        if let limit, limit < 1 { throw DataError("--limit \(limit) must be at least 1") }
        var inValidation = [Bool](repeating: false, count: trainLabels.count)
        if validationFraction > 0 {
            let classes = Set(trainLabels).sorted()
            for c in classes {
                var members = trainLabels.indices.filter { trainLabels[$0] == c }
                let take = Int((validationFraction * Double(members.count)).rounded())
                var generator = SplitMix64(seed: seed ^ (0x5851_F42D_4C95_7F2D &* UInt64(c + 1)))
                generator.shuffle(&members)
                for i in members.prefix(take) { inValidation[i] = true }
            }
        }
        let keep = { (indices: [Int]) -> [Int] in limit.map { Array(indices.prefix($0)) } ?? indices }
        train = keep(trainLabels.indices.filter { !inValidation[$0] })
        validation = keep(trainLabels.indices.filter { inValidation[$0] })
        test = keep(Array(0 ..< testCount))
    }
}
