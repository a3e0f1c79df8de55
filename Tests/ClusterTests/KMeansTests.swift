import Backend
@testable import Cluster
import Dataset
import XCTest

final class KMeansTests: XCTestCase {
    func backends() -> [any ComputeBackend] {
        var list: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { list.append(openCL) }
        return list
    }

    /// Well-separated blobs are recovered exactly (up to permutation) on every backend.
    func testSeparatedBlobs() throws {
        var g = SplitMix64(seed: 3)
        let (k, d, per) = (4, 5, 50)
        var x: [Float] = [], truth: [Int64] = []
        for c in 0 ..< k {
            for _ in 0 ..< per {
                for j in 0 ..< d { x.append(Float(c * 10 + (j == c ? 5 : 0)) + Float(g.next(below: 1000)) / 1000) }
                truth.append(Int64(c))
            }
        }
        for backend in backends() { try blobs(backend, x, truth, k, d) }
    }

    private func blobs<B: ComputeBackend>(_ backend: B, _ x: [Float], _ truth: [Int64], _ k: Int, _ d: Int) throws {
        var c = KMeans.Configuration()
        c.k = k
        c.seed = 1
        let result = try KMeans.fit(x, rows: truth.count, dim: d, configuration: c, backend: backend)
        let m = ExternalMetrics(truth: truth, predicted: result.labels.map(Int64.init))
        XCTAssertEqual(m.ari, 1, accuracy: 1e-12, "\(backend.name)")
        XCTAssertGreaterThan(result.iterations, 0)
    }

    /// From given centres, the result equals a brute-force Lloyd in Double.
    func testGivenCentresMatchBruteForce() throws {
        var g = SplitMix64(seed: 9)
        let (n, d, k) = (300, 6, 5)
        let x = (0 ..< n * d).map { _ in Float(g.next(below: 10_000)) / 10_000 }
        let start = Array(x[0 ..< k * d])
        var centres = start.map(Double.init)
        var labels = [Int](repeating: -1, count: n)
        for _ in 0 ..< 100 {
            let next = (0 ..< n).map { i in
                (0 ..< k).min { a, b in
                    let da = (0 ..< d).reduce(0.0) { $0 + pow(Double(x[i * d + $1]) - centres[a * d + $1], 2) }
                    let db = (0 ..< d).reduce(0.0) { $0 + pow(Double(x[i * d + $1]) - centres[b * d + $1], 2) }
                    return da < db
                }!
            }
            if next == labels { break }
            labels = next
            for c in 0 ..< k {
                let members = (0 ..< n).filter { labels[$0] == c }
                guard !members.isEmpty else { continue }
                for j in 0 ..< d { centres[c * d + j] = members.reduce(0.0) { $0 + Double(x[$1 * d + j]) } / Double(members.count) }
            }
        }
        var c = KMeans.Configuration()
        c.k = k
        c.initialisation = .given(start)
        c.tolerance = 0
        for backend in backends() {
            let result = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            XCTAssertEqual(result.labels.map(Int.init), labels, "\(backend.name)")
        }
    }

    func testBadInput() {
        var c = KMeans.Configuration()
        c.k = 5
        XCTAssertThrowsError(try KMeans.fit([1, 2, 3], rows: 3, dim: 1, configuration: c, backend: CPUBackend())) {
            XCTAssertTrue("\($0)".contains("larger than the number of points"), "\($0)")
        }
        c.k = 1
        XCTAssertThrowsError(try KMeans.fit([1, .nan, 3], rows: 3, dim: 1, configuration: c, backend: CPUBackend())) {
            XCTAssertTrue("\($0)".contains("finite"), "\($0)")
        }
    }

    /// On the raw pixels of the 10,000 test images, K-means (k 10) reaches NMI >= 0.48.
    func testRawPixelsOfTheTestSet() throws {
        let test = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test
        var c = KMeans.Configuration()
        c.seed = 0
        let result = try KMeans.fit(test.images, rows: test.count, dim: 784, configuration: c, backend: CPUBackend())
        let m = ExternalMetrics(truth: test.labels.map(Int64.init), predicted: result.labels.map(Int64.init))
        print("K-means raw pixels, test set: NMI \(m.nmi), ARI \(m.ari), acc \(m.accuracy), \(result.iterations) iterations")
        XCTAssertGreaterThanOrEqual(m.nmi, 0.48)
    }
}

final class MiniBatchKMeansTests: XCTestCase {
    /// Mini-batch K-means on the raw test pixels lands close to full K-means (NMI >= 0.45) and
    /// its labels are a full assignment to its centres.
    func testRawPixels() throws {
        let test = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test
        var c = MiniBatchKMeans.Configuration()
        c.maxEpochs = 5
        let result = try MiniBatchKMeans.fit(test.images, rows: test.count, dim: 784, configuration: c, backend: CPUBackend())
        XCTAssertEqual(result.labels.count, test.count)
        let m = ExternalMetrics(truth: test.labels.map(Int64.init), predicted: result.labels.map(Int64.init))
        print("mini-batch K-means raw pixels: NMI \(m.nmi) after \(result.iterations) steps")
        XCTAssertGreaterThanOrEqual(m.nmi, 0.45)
        XCTAssertThrowsError(try MiniBatchKMeans.fit([1, 2], rows: 2, dim: 1, configuration: c, backend: CPUBackend()))
    }
}

/// Hamerly's bounds skip distance computations but not iterations: the same labels, iterations and
/// inertia as the dense Lloyd iterations, on raw test pixels and on both backends' Lloyd.
final class HamerlyTests: XCTestCase {
    func testSameClustersAsLloyd() throws {
        let test = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test
        let n = 3000, d = 784
        let x = Array(test.images.prefix(n * d))
        var c = KMeans.Configuration()
        (c.k, c.seed, c.tolerance) = (10, 4, 0)
        c.algorithm = .hamerly
        let hamerly = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        var backends: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { backends.append(openCL) }
        for backend in backends {
            c.algorithm = .lloyd
            let lloyd = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            XCTAssertEqual(hamerly.labels, lloyd.labels, "\(backend.name)")
            XCTAssertEqual(hamerly.iterations, lloyd.iterations)
            XCTAssertEqual(hamerly.inertia, lloyd.inertia, accuracy: 1e-5 * lloyd.inertia)
        }
        XCTAssertGreaterThan(hamerly.iterations, 10, "enough iterations for the bounds to matter")
    }
}
