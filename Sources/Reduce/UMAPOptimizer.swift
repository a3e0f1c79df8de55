import Backend
import CIntrinsics
import Foundation

/// UMAP's layout optimisation (umap-learn's `optimize_layout_euclidean`): each epoch, every edge
/// `(i, j)` due by its sampling schedule (`epochs / (epochs * w_ij / w_max)` epochs apart) pulls
/// `y_i` towards `y_j` with `-2ab d^(2(b-1)) / (1 + a d^(2b)) (y_i - y_j)`, and for each of
/// `negativeSampleRate` uniformly drawn points `k` pushes it away with
/// `2 gamma b / ((0.001 + d^2)(1 + a d^(2b))) (y_i - y_k)`; every gradient coordinate is clipped to
/// [-4, 4], the step is `alpha = learningRate (1 - epoch / epochs)`.
///
/// Negative samples come from a counter-based hash of `(seed, edge, epoch, sample)`, so every way
/// of applying the steps is deterministic for a seed:
/// - `sequential`: umap-learn's order on one core — edges in row order, each step reading the
///   current positions and moving both ends ("move_other"); the same layout quality as umap-learn
///   (its parallel mode races on shared positions instead).
/// - `blocked` (`auto`'s choice on the CPU): the same order within blocks of rows (`blockBounds`,
///   nearby points renumbered together by the caller), the blocks across the cores, each reading
///   the others' points as the epoch began; as converged as `sequential` (`blockedEpoch`).
/// - synchronous: each point's updates applied by one worker, in edge order, reading the other
///   points as they were when the epoch began (a Jacobi sweep across the cores); each edge is
///   stored in both directions, so each end moves itself, with the attraction doubled to keep
///   umap-learn's balance of attraction (two moves per edge sample) to repulsion. Measurably less
///   converged per epoch (K-means NMI 0.628 against 0.638 at 70,000 images). With densMAP (`density`), the radii of
/// the embedding are measured at the start of each epoch of its last fraction and the
/// correlation's gradient joins the attraction, as umap-learn's `optimize_layout_euclidean`.
struct UMAPOptimizer {
    let set: FuzzySimplicialSet
    let dims: Int
    let curve: UMAPCurve
    let epochs: Int
    let negativeSampleRate: Int
    let learningRate: Double
    let repulsion: Double
    let seed: UInt64
    /// How the steps are applied: `sequential`, `blocked` or `synchronous` (resolved, never `auto`).
    let order: UMAP.Updates
    /// `sequential` and `blocked`: the blocks of rows (`count + 1` bounds; one block for
    /// `sequential`), and the prefix sums of each block's edges whose tail is in another block.
    let blockBounds: [Int]
    private let crossStart: [Int]
    /// densMAP's regulariser, when enabled.
    var density: UMAPDensity?
    private var epochsPerSample: [Float]
    private var nextSample: [Float]
    private var nextNegative: [Float]

    init(set: FuzzySimplicialSet, dims: Int, curve: UMAPCurve, epochs: Int, negativeSampleRate: Int, learningRate: Double,
         repulsion: Double, seed: UInt64, order: UMAP.Updates = .synchronous, blockBounds: [Int]? = nil) {
        precondition(order != .auto, "UMAPOptimizer: resolve the order first")
        precondition(order == .blocked || blockBounds == nil, "UMAPOptimizer: blocks are for the blocked order")
        (self.set, self.dims, self.curve, self.epochs, self.order) = (set, dims, curve, epochs, order)
        let bounds = blockBounds ?? [0, set.count]
        precondition(bounds.first == 0 && bounds.last == set.count, "UMAPOptimizer: blocks must cover the rows")
        self.blockBounds = bounds
        var crossStart = [0]
        for b in 0 ..< bounds.count - 1 {
            let rows = bounds[b] ..< bounds[b + 1]
            crossStart.append(crossStart.last! + (set.rowStart[rows.lowerBound] ..< set.rowStart[rows.upperBound]).reduce(0) {
                $0 + (rows.contains(Int(set.columns[$1])) ? 0 : 1)
            })
        }
        self.crossStart = crossStart
        (self.negativeSampleRate, self.learningRate, self.repulsion, self.seed) = (negativeSampleRate, learningRate, repulsion, seed)
        let largest = set.weights.max() ?? 1
        epochsPerSample = set.weights.map { w in
            let samples = Double(epochs) * Double(w) / Double(largest)
            return samples > 0 ? Float(Double(epochs) / samples) : -1
        }
        nextSample = epochsPerSample
        nextNegative = epochsPerSample.map { $0 / Float(max(1, negativeSampleRate)) }
    }

    /// Runs every epoch from `start` (`[n, dims]`), calling `progress(epochs done)`: synchronous
    /// plain UMAP on the device where `backend` has `umapEpoch`, else on the host.
    mutating func run<B: ComputeBackend>(_ start: [Float], backend: B, progress: (Int) -> Void) throws -> [Float] {
        if order == .synchronous && density == nil && backend.hasUMAPEpoch(dims: dims) {
            return try runOnDevice(start, backend: backend, progress: progress)
        }
        return run(start, progress: progress)
    }

    /// The synchronous epochs on the device: the graph and its schedule uploaded once, each epoch a
    /// device copy of the positions (`old`) and one `umapEpoch`; only the layout comes back.
    private func runOnDevice<B: ComputeBackend>(_ start: [Float], backend: B, progress: (Int) -> Void) throws -> [Float] {
        let n = set.count
        let y = try backend.makeBuffer(start), old = try backend.makeBuffer(count: n * dims)
        let rowStart = try backend.makeBuffer(set.rowStart.map { Int32($0) }), columns = try backend.makeBuffer(set.columns)
        let every = try backend.makeBuffer(epochsPerSample), due = try backend.makeBuffer(nextSample)
        let dueNegative = try backend.makeBuffer(nextNegative)
        for epoch in 0 ..< epochs {
            let step = UMAPEpochStep(a: Float(curve.a), b: Float(curve.b), gamma: Float(repulsion),
                                     alpha: Float(learningRate * (1 - Double(epoch) / Double(epochs))), epoch: epoch,
                                     negativeRate: Float(max(1, negativeSampleRate)), seed: seed)
            try backend.copy(y, srcOffset: 0, to: old, dstOffset: 0, count: n * dims)
            guard try backend.umapEpoch(y: y, old: old, rowStart: rowStart, columns: columns, every: every, due: due, dueNegative: dueNegative,
                                        rows: n, dims: dims, step: step) else { throw ReduceError("UMAP: the backend has no device epoch") }
            progress(epoch + 1)
        }
        return try backend.floats(y)
    }

    /// Runs every epoch from `start` (`[n, dims]`) on the host, calling `progress(epochs done)`.
    mutating func run(_ start: [Float], progress: (Int) -> Void) -> [Float] {
        let n = set.count, dims = self.dims
        var current = start
        var snapshot = start
        // The blocked order's staging of moves to other blocks' points, made once for every epoch:
        // each block's cross edges are due at most once an epoch (`epochsPerSample >= 1`), so its
        // segment (from `crossStart`) always has room.
        var staged = [Int32](repeating: 0, count: order == .synchronous ? 0 : crossStart.last!)
        var stagedMoves = [Float](repeating: 0, count: staged.count * dims)
        let a = Float(curve.a), b = Float(curve.b), gamma = Float(repulsion)
        let negativeRate = Float(max(1, negativeSampleRate))
        for epoch in 0 ..< epochs {
            let alpha = Float(learningRate * (1 - Double(epoch) / Double(epochs)))
            let e = Float(epoch)
            let densityState = density.flatMap { $0.active(epoch: epoch, of: epochs) ? $0.epochState(set: set, embedding: current, dims: dims, curve: curve) : nil }
            if order != .synchronous {
                blockedEpoch(&current, snapshot: &snapshot, staged: &staged, stagedMoves: &stagedMoves, epoch: epoch, alpha: alpha,
                             densityState: densityState)
                progress(epoch + 1)
                continue
            }
            snapshot.withUnsafeMutableBufferPointer { snap in
                current.withUnsafeBufferPointer { snap.baseAddress!.update(from: $0.baseAddress!, count: n * dims) }
            }
            current.withUnsafeMutableBufferPointer { y in
                snapshot.withUnsafeBufferPointer { old in
                    epochsPerSample.withUnsafeBufferPointer { every in
                        nextSample.withUnsafeMutableBufferPointer { due in
                            nextNegative.withUnsafeMutableBufferPointer { dueNegative in
                                parallelFor(n, grain: 256) { range in
                                    var head = [Float](repeating: 0, count: dims)
                                    for i in range {
                                        for t in 0 ..< dims { head[t] = y[i * dims + t] }
                                        for edge in set.rowStart[i] ..< set.rowStart[i + 1] where every[edge] > 0 && due[edge] <= e {
                                            let j = Int(set.columns[edge])
                                            let d2 = Self.squaredDistance(head, old.baseAddress! + j * dims, dims: dims)
                                            if d2 > 0 {
                                                let coefficient = Self.attraction(d2, a: a, b: b)
                                                let correction = Self.densityCorrection(density, densityState, i: i, j: j, weight: set.weights[edge],
                                                                                        d2: d2, curve: curve, count: n)
                                                for t in 0 ..< dims {
                                                    let difference = head[t] - old[j * dims + t]
                                                    var g = min(4, max(-4, coefficient * difference))
                                                    if correction != 0 { g += min(4, max(-4, correction * difference)) }
                                                    // Twice: this end's move and the one umap-learn gives the other end.
                                                    head[t] += 2 * g * alpha
                                                }
                                            }
                                            due[edge] += every[edge]
                                            let perNegative = every[edge] / negativeRate
                                            let negatives = Int((e - dueNegative[edge]) / perNegative)
                                            for s in 0 ..< max(0, negatives) {
                                                let k = Self.negative(seed: seed, edge: edge, epoch: epoch, sample: s, count: n)
                                                let n2 = Self.squaredDistance(head, old.baseAddress! + k * dims, dims: dims)
                                                guard n2 > 0 else { continue }
                                                let coefficient = Self.repulsion(n2, a: a, b: b, gamma: gamma)
                                                for t in 0 ..< dims {
                                                    let g = min(4, max(-4, coefficient * (head[t] - old[k * dims + t])))
                                                    head[t] += g * alpha
                                                }
                                            }
                                            dueNegative[edge] += Float(max(0, negatives)) * perNegative
                                        }
                                        for t in 0 ..< dims { y[i * dims + t] = head[t] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            progress(epoch + 1)
        }
        return current
    }

    /// One epoch in umap-learn's order (`_optimize_layout_euclidean_single_epoch` with
    /// `move_other`), block by block (`blockBounds`: block `b` is rows `bounds[b] ..< bounds[b + 1]`):
    /// within a block each due edge `(i, j)`, in row order, moves `y_i` by the clipped attraction
    /// (plus densMAP's clipped correction) and `y_j` by its opposite, then `y_i` by each negative
    /// sample's repulsion. The block's own points are read and moved as they are now; other blocks'
    /// points are read as they were when the epoch began (`snapshot`), and the move of a tail in
    /// another block is kept and added at the epoch's end, block after block. So the blocks of an
    /// epoch are independent, run across the cores, and the layout does not depend on the number of
    /// threads. With one block this is exactly umap-learn's sequential order.
    /// `staged` / `stagedMoves`: room for every cross edge's tail and move (`crossStart`), reused.
    private mutating func blockedEpoch(_ y: inout [Float], snapshot: inout [Float], staged: inout [Int32], stagedMoves: inout [Float],
                                       epoch: Int, alpha: Float, densityState: UMAPDensity.EpochState?) {
        let n = set.count, dims = self.dims, e = Float(epoch)
        let a = Float(curve.a), b = Float(curve.b), gamma = Float(repulsion)
        let negativeRate = Float(max(1, negativeSampleRate))
        let set = self.set, density = self.density, curve = self.curve, seed = self.seed
        let bounds = blockBounds, crossStart = self.crossStart, blocks = bounds.count - 1
        if blocks > 1 {
            snapshot.withUnsafeMutableBufferPointer { s in y.withUnsafeBufferPointer { s.baseAddress!.update(from: $0.baseAddress!, count: n * dims) } }
        }
        var stagedCount = [Int](repeating: 0, count: blocks)
        y.withUnsafeMutableBufferPointer { y in
          snapshot.withUnsafeBufferPointer { old in
            staged.withUnsafeMutableBufferPointer { staged in
              stagedMoves.withUnsafeMutableBufferPointer { stagedMoves in
               stagedCount.withUnsafeMutableBufferPointer { stagedCount in
                epochsPerSample.withUnsafeBufferPointer { every in
                  nextSample.withUnsafeMutableBufferPointer { due in
                    nextNegative.withUnsafeMutableBufferPointer { dueNegative in
                      parallelFor(blocks, grain: 1) { range in
                        for block in range {
                          let lo = bounds[block], hi = bounds[block + 1]
                          let edges = set.rowStart[hi], rowBytes = dims * MemoryLayout<Float>.stride
                          /// Where point `k` is read from: the block's own points as they are, the others' as the
                          /// epoch began.
                          @inline(__always) func row(_ k: Int) -> UnsafeMutablePointer<Float> {
                              (lo ..< hi).contains(k) ? y.baseAddress! + k * dims : UnsafeMutablePointer(mutating: old.baseAddress! + k * dims)
                          }
                          /// The tail and the negative samples of an edge are random rows of the layout: they are
                          /// asked for while the due edge before it is computed, so they load meanwhile (a hint
                          /// only; the layout is the same).
                          func prefetch(edge f: Int) {
                              guard f < edges else { return }
                              fmnist_prefetch(row(Int(set.columns[f])), rowBytes)
                              let ahead = Int((e - dueNegative[f]) / (every[f] / negativeRate))
                              for s in 0 ..< max(0, ahead) {
                                  fmnist_prefetch(row(Self.negative(seed: seed, edge: f, epoch: epoch, sample: s, count: n)), rowBytes)
                              }
                          }
                          /// The first edge from `f` on that is due this epoch (`edges` if none).
                          func nextDue(from f: Int) -> Int {
                              var f = f
                              while f < edges && !(every[f] > 0 && due[f] <= e) { f += 1 }
                              return f
                          }
                          // Edges in row order; `upcoming` is the due edge after the current one.
                          var upcoming = nextDue(from: set.rowStart[lo]), i = lo, crossed = crossStart[block]
                          prefetch(edge: upcoming)
                          while upcoming < edges {
                              let edge = upcoming
                              while set.rowStart[i + 1] <= edge { i += 1 }
                              upcoming = nextDue(from: edge + 1)
                              prefetch(edge: upcoming)
                              let head = y.baseAddress! + i * dims
                              let j = Int(set.columns[edge])
                              let tail = row(j), tailHere = (lo ..< hi).contains(j)
                              let perNegative = every[edge] / negativeRate
                              let negatives = Int((e - dueNegative[edge]) / perNegative)
                              let d2 = Self.squaredDistance(head, tail, dims: dims)
                              if d2 > 0 {
                                  let coefficient = Self.attraction(d2, a: a, b: b)
                                  let correction = Self.densityCorrection(density, densityState, i: i, j: j, weight: set.weights[edge],
                                                                          d2: d2, curve: curve, count: n)
                                  let move = tailHere ? tail : stagedMoves.baseAddress! + crossed * dims
                                  if !tailHere {
                                      staged[crossed] = Int32(j)
                                      move.initialize(repeating: 0, count: dims)
                                      crossed += 1
                                  }
                                  for t in 0 ..< dims {
                                      let difference = head[t] - tail[t]
                                      var g = min(4, max(-4, coefficient * difference))
                                      if correction != 0 { g += min(4, max(-4, correction * difference)) }
                                      head[t] += g * alpha
                                      move[t] -= g * alpha
                                  }
                              }
                              due[edge] += every[edge]
                              for s in 0 ..< max(0, negatives) {
                                  let other = row(Self.negative(seed: seed, edge: edge, epoch: epoch, sample: s, count: n))
                                  let n2 = Self.squaredDistance(head, other, dims: dims)
                                  guard n2 > 0 else { continue }
                                  let coefficient = Self.repulsion(n2, a: a, b: b, gamma: gamma)
                                  for t in 0 ..< dims { head[t] += min(4, max(-4, coefficient * (head[t] - other[t]))) * alpha }
                              }
                              dueNegative[edge] += Float(max(0, negatives)) * perNegative
                          }
                          stagedCount[block] = crossed - crossStart[block]
                        }
                      }
                    }
                  }
                }
               }
              }
            }
          }
        }
        for block in 0 ..< blocks {
            for m in crossStart[block] ..< crossStart[block] + stagedCount[block] {
                for t in 0 ..< dims { y[Int(staged[m]) * dims + t] += stagedMoves[m * dims + t] }
            }
        }
    }

    /// `|a - b|^2` over `dims` coordinates, summed in four interleaved partial sums (lanes `t mod 4`,
    /// then `(s0 + s1) + (s2 + s3)`) so the compiler can keep them in one vector register; umap-learn's
    /// `rdist` is compiled with `fastmath` and reassociates likewise. Deterministic: the order is fixed.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dims: Int) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var t = 0
        while t + 4 <= dims {
            let (v0, v1, v2, v3) = (a[t] - b[t], a[t + 1] - b[t + 1], a[t + 2] - b[t + 2], a[t + 3] - b[t + 3])
            s0 += v0 * v0
            s1 += v1 * v1
            s2 += v2 * v2
            s3 += v3 * v3
            t += 4
        }
        while t < dims {
            let v = a[t] - b[t]
            s0 += v * v
            t += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// densMAP's correction for edge `(i, j)` of weight `weight` at squared distance `d2`:
    /// `2 UMAPDensity.coefficient`, shared by both update orders; 0 when densMAP is off this epoch.
    @inline(__always)
    static func densityCorrection(_ density: UMAPDensity?, _ state: UMAPDensity.EpochState?, i: Int, j: Int, weight: Float, d2: Float,
                                  curve: UMAPCurve, count n: Int) -> Float {
        guard let density, let state else { return 0 }
        return Float(2 * density.coefficient(state, j: i, k: j, mu: Double(weight), d2: Double(d2), curve: curve, count: n))
    }

    /// The attraction's coefficient at squared distance `d2 > 0`: `-2ab d^(2(b-1)) / (1 + a d^(2b))`.
    @inline(__always)
    static func attraction(_ d2: Float, a: Float, b: Float) -> Float {
        let pb = powf(d2, b)
        return (-2 * a * b * pb / d2) / (a * pb + 1)
    }

    /// A negative sample's repulsion coefficient at squared distance `n2 > 0`:
    /// `2 gamma b / ((0.001 + d^2)(1 + a d^(2b)))`.
    @inline(__always)
    static func repulsion(_ n2: Float, a: Float, b: Float, gamma: Float) -> Float {
        2 * gamma * b / ((0.001 + n2) * (a * powf(n2, b) + 1))
    }

    /// A uniform point index from a SplitMix64-style hash of the sample's coordinates.
    @inline(__always)
    static func negative(seed: UInt64, edge: Int, epoch: Int, sample: Int, count: Int) -> Int {
        var z = seed &+ UInt64(edge) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03 &+ UInt64(sample) &* 0x8CB9_2BA7_2F3D_8DD7
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z.multipliedFullWidth(by: UInt64(count)).high)
    }
}
