import Backend
import Bench
import XCTest

final class BenchRunnerTests: XCTestCase {
    private func backends() -> [any ComputeBackend] {
        var list: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { list.append(openCL) }
        return list
    }

    /// Every workload yields one row per backend with a positive median, a rate derived from it,
    /// and a passing cross-backend check when two backends ran.
    func testRowsForEveryWorkloadAndBackend() throws {
        let backends = backends()
        let runner = BenchRunner(backends: backends, checker: nil, settings: BenchSettings(minRepeats: 1, maxRepeats: 2, budgetSeconds: 0.01))
        let workloads: [any BenchWorkload] = [GemmWorkload(m: 33, n: 17, k: 9), GemmWorkload(m: 8, n: 8, k: 40, transA: true),
                                              NearestWorkload(rows: 50, candidates: 7, dim: 5), MapWorkload(.sigmoid, count: 1000),
                                              AxpyWorkload(count: 99), ReduceWorkload(rows: 9, cols: 70, axis: .eachColumn),
                                              NTXentWorkload(rows: 12, dims: 5)]
        var streamed = 0
        let rows = try runner.run(workloads) { _ in streamed += 1 }
        XCTAssertEqual(rows.count, workloads.count * backends.count)
        XCTAssertEqual(streamed, rows.count)
        for row in rows {
            XCTAssertGreaterThan(row.medianMs, 0, "\(row.op) \(row.backend)")
            XCTAssertLessThanOrEqual(row.minMs, row.medianMs)
            XCTAssertTrue((row.gflops == nil) != (row.gbps == nil), "exactly one rate for \(row.op)")
            XCTAssertEqual(row.check, backends.count > 1 ? "ok" : "unchecked", "\(row.op) \(row.shape) on \(row.backend)")
        }
        let gemm = try XCTUnwrap(rows.first { $0.op == "gemm" && $0.backend == "cpu" })
        XCTAssertEqual(try XCTUnwrap(gemm.gflops), 2 * 33 * 17 * 9 / (gemm.medianMs / 1e3) / 1e9, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(gemm.speedupVsCPU), 1, accuracy: 1e-12)
    }

    /// A workload whose result depends on the backend is flagged, not passed.
    func testDisagreementIsFlagged() throws {
        let cpu = CPUBackend(), other = CPUBackend()
        let runner = BenchRunner(backends: [cpu, other], checker: nil, settings: BenchSettings(minRepeats: 1, maxRepeats: 1, budgetSeconds: 0.01))
        let rows = try runner.run([BackendDependentWorkload(first: cpu)])
        XCTAssertEqual(rows.map(\.check), ["MISMATCH", "MISMATCH"])
    }

    /// With one timed backend, the checker supplies the reference.
    func testCheckerBackendSuppliesReference() throws {
        let runner = BenchRunner(backends: [CPUBackend()], checker: CPUBackend(), settings: BenchSettings(minRepeats: 1, maxRepeats: 1, budgetSeconds: 0.01))
        let rows = try runner.run([GemmWorkload(m: 5, n: 5, k: 5)])
        XCTAssertEqual(rows.first?.check, "ok")
        XCTAssertEqual(rows.first?.nmse, 0)
    }

    func testRelativeError() {
        XCTAssertEqual(relativeError([1, 2], [1, 2]), 0)
        XCTAssertEqual(relativeError([1, 0], [0, 1]), 2, accuracy: 1e-12)
        XCTAssertEqual(relativeError([.nan], [1]), .infinity)
        XCTAssertEqual(relativeError([1], [1, 2]), .infinity)
    }

    /// Every training layer runs and agrees across backends at a small batch.
    func testLayerWorkloadsAgreeAcrossBackends() throws {
        let backends = backends()
        let runner = BenchRunner(backends: backends, checker: nil, settings: BenchSettings(minRepeats: 1, maxRepeats: 1, budgetSeconds: 0.01))
        let rows = try runner.run(LayerWorkload.trainingLayers(batch: 2))
        XCTAssertEqual(rows.count, 16 * backends.count)
        for row in rows { XCTAssertEqual(row.check, backends.count > 1 ? "ok" : "unchecked", "\(row.op) \(row.shape) \(row.backend) nmse \(row.nmse ?? -1)") }
    }

    func testSuiteSelectsFamilies() {
        XCTAssertEqual(BenchSuite.workloads(families: ["gemm"], gemmSizes: [4, 8]).map(\.shape), ["4x4x4", "8x8x8"])
        XCTAssertTrue(BenchSuite.workloads(families: ["distances"], gemmSizes: []).allSatisfy { $0.op == "nearest" })
        XCTAssertEqual(BenchSuite.workloads(families: BenchSuite.families, gemmSizes: [1]).count,
                       1 + 9 + 16 + 3 + 4 + 2 + 3 + 3)
        XCTAssertEqual(BenchSuite.workloads(families: ["training"], gemmSizes: []).last?.op, "nt-xent")
        XCTAssertEqual(BenchSuite.workloads(families: ["clustering"], gemmSizes: []).map(\.op), ["kmeans step", "kmeans step", "radius counts"])
        XCTAssertEqual(BenchSuite.workloads(families: ["neighbours"], gemmSizes: []).map(\.op), ["knn graph", "knn graph", "knn graph"])
    }

    /// The k-NN workload agrees across backends (selected distances) on a small shape.
    func testNeighboursWorkloadAgreesAcrossBackends() throws {
        let backends = backends()
        let runner = BenchRunner(backends: backends, checker: nil, settings: BenchSettings(minRepeats: 1, maxRepeats: 1, budgetSeconds: 0.01))
        let rows = try runner.run([NeighboursWorkload(rows: 300, dim: 17, k: 5)])
        XCTAssertEqual(rows.count, backends.count)
        for row in rows { XCTAssertEqual(row.check, backends.count > 1 ? "ok" : "unchecked", "\(row.backend) nmse \(row.nmse ?? -1)") }
    }

    /// DBSCAN's device neighbour counts agree across backends on a small shape.
    func testRadiusCountWorkloadAgreesAcrossBackends() throws {
        let backends = backends()
        let runner = BenchRunner(backends: backends, checker: nil, settings: BenchSettings(minRepeats: 1, maxRepeats: 1, budgetSeconds: 0.01))
        let rows = try runner.run([RadiusCountWorkload(rows: 300, dim: 5, radius: 1)])
        XCTAssertEqual(rows.count, backends.count)
        for row in rows { XCTAssertEqual(row.check, backends.count > 1 ? "ok" : "unchecked", "\(row.backend) nmse \(row.nmse ?? -1)") }
    }
}

/// Returns 1 on `first` and 2 elsewhere: two backends that must disagree.
private struct BackendDependentWorkload: BenchWorkload {
    let first: CPUBackend
    var op: String { "fake" }
    var shape: String { "1" }
    var flops: Double? { 1 }
    var bytes: Double { 4 }
    var tolerance: Double { 1e-6 }
    func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let value: Float = backend === first ? 1 : 2
        return PreparedWorkload(run: {}, result: { [value] })
    }
}
