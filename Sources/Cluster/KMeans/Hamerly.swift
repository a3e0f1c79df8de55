import Backend
import Foundation

/// Hamerly's exact K-means (Hamerly 2010, "Making k-means even faster"): the same iterations as
/// Lloyd's, but each point keeps an upper bound `u` on the distance to its centre and a lower bound
/// `l` on the distance to every other centre. After centres move by `p_j`, `u += p_a`,
/// `l -= max_{j != a} p_j`; a point whose `u` stays below `max(l, s_a)` (`s_a` half the distance
/// from its centre to the nearest other centre) cannot change cluster and costs O(1). The others
/// are measured again (first their own centre, then all). Cluster sums are updated by the points
/// that moved, so a late iteration costs O(n + moved k d) instead of Lloyd's O(n k d).
///
/// Distances are computed on the host in double precision across the cores; this is the CPU
/// backend's path (`Algorithm.automatic`), Lloyd's dense products stay on GPUs.
extension KMeans {
    static func hamerly(_ x: [Float], rows n: Int, dim d: Int, centres initial: [Float], configuration c: Configuration,
                        threshold: Double, progress: (Int, Double) -> Void) -> Result {
        let k = c.k
        var centres = initial
        var centresD = initial.map(Double.init)
        var labels = [Int32](repeating: 0, count: n)
        var upper = [Double](repeating: 0, count: n), lower = [Double](repeating: 0, count: n)
        var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
        var movement: [Double]? // since the last assignment; nil before the first
        var iterations = 0

        /// One assignment pass; returns how many points changed cluster.
        func assign() -> Int {
            let grain = max(64, 65_536 / max(1, k * d))
            let pieces = max(1, (n + grain - 1) / grain)
            var changes = [[(point: Int, from: Int32, to: Int32)]](repeating: [], count: pieces)
            // Half the distance from each centre to its nearest other centre.
            var half = [Double](repeating: .infinity, count: k)
            for a in 0 ..< k {
                for b in 0 ..< k where b != a {
                    var s = 0.0
                    for j in 0 ..< d { let t = centresD[a * d + j] - centresD[b * d + j]; s += t * t }
                    half[a] = min(half[a], 0.5 * s.squareRoot())
                }
            }
            var drop = [Double](repeating: 0, count: k) // lower-bound decrease for points of each cluster
            if let p = movement {
                for a in 0 ..< k { drop[a] = (0 ..< k).filter { $0 != a }.map { p[$0] }.max() ?? 0 }
            }
            let first = movement == nil
            x.withUnsafeBufferPointer { xs in
                centres.withUnsafeBufferPointer { cs in
                    labels.withUnsafeMutableBufferPointer { lab in
                        upper.withUnsafeMutableBufferPointer { u in
                            lower.withUnsafeMutableBufferPointer { l in
                                changes.withUnsafeMutableBufferPointer { out in
                                    parallelFor(pieces, grain: 1) { range in
                                        for piece in range {
                                            var local: [(point: Int, from: Int32, to: Int32)] = []
                                            for i in (piece * grain) ..< min(n, (piece + 1) * grain) {
                                                let point = xs.baseAddress! + i * d
                                                func distance(_ j: Int) -> Double { euclidean(point, cs.baseAddress! + j * d, d) }
                                                var a = Int(lab[i])
                                                if !first {
                                                    u[i] += movement![a]
                                                    l[i] -= drop[a]
                                                    let bound = max(half[a], l[i])
                                                    if u[i] <= bound { continue }
                                                    u[i] = distance(a)
                                                    if u[i] <= bound { continue }
                                                }
                                                var best = Double.infinity, second = Double.infinity, at = 0
                                                for j in 0 ..< k {
                                                    let v = distance(j)
                                                    if v < best { (second, best, at) = (best, v, j) } else if v < second { second = v }
                                                }
                                                if first || at != a { local.append((i, first ? -1 : Int32(a), Int32(at))) }
                                                a = at
                                                (lab[i], u[i], l[i]) = (Int32(at), best, second)
                                            }
                                            out[piece] = local
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var changed = 0
            for list in changes {
                for change in list {
                    let base = change.point * d
                    if change.from >= 0 {
                        let from = Int(change.from) * d
                        for j in 0 ..< d { sums[from + j] -= Double(x[base + j]) }
                        counts[Int(change.from)] -= 1
                        changed += 1
                    }
                    let to = Int(change.to) * d
                    for j in 0 ..< d { sums[to + j] += Double(x[base + j]) }
                    counts[Int(change.to)] += 1
                }
            }
            return changed
        }

        /// Squared distance of every point to its centre.
        func minima() -> [Float] {
            (0 ..< n).map { i in
                let a = Int(labels[i])
                var s = 0.0
                for j in 0 ..< d { let t = Double(x[i * d + j]) - centresD[a * d + j]; s += t * t }
                return Float(s)
            }
        }

        while iterations < c.maxIterations {
            let changed = assign()
            iterations += 1
            progress(iterations, .nan)
            if movement != nil && changed == 0 { break }
            var updated: [Float]
            if counts.contains(0) {
                updated = updateCentres(x, dim: d, sums: sums.map(Float.init), counts: counts.map(Float.init), minima: minima(), previous: centres)
            } else {
                updated = (0 ..< k * d).map { Float(sums[$0] / Double(counts[$0 / d])) }
            }
            var shift = 0.0
            var p = [Double](repeating: 0, count: k)
            for a in 0 ..< k {
                var s = 0.0
                for j in 0 ..< d { let t = Double(updated[a * d + j]) - Double(centres[a * d + j]); s += t * t }
                (p[a], shift) = (s.squareRoot(), shift + s)
            }
            (centres, centresD, movement) = (updated, updated.map(Double.init), p)
            if c.tolerance > 0 && shift <= threshold {
                _ = assign() // labels must match the final centres
                break
            }
        }
        let inertia = minima().reduce(0.0) { $0 + Double($1) }
        return Result(labels: labels, centres: centres, inertia: inertia, iterations: iterations)
    }
}

/// `||a - b||` over `d` floats: 16 lanes of float partial sums (each over d/16 terms), added in double.
@inline(__always)
func euclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Double {
    var acc = SIMD16<Float>.zero
    var t = 0
    while t + 16 <= d {
        let v = UnsafeRawPointer(a + t).loadUnaligned(as: SIMD16<Float>.self) - UnsafeRawPointer(b + t).loadUnaligned(as: SIMD16<Float>.self)
        acc += v * v
        t += 16
    }
    var s = 0.0
    for lane in 0 ..< 16 { s += Double(acc[lane]) }
    while t < d { let v = Double(a[t]) - Double(b[t]); s += v * v; t += 1 }
    return s.squareRoot()
}
