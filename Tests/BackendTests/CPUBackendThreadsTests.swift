@testable import Backend
import Foundation
import XCTest

/// The CPU backend's products do not depend on its number of threads (`GemmSplit`): the same
/// product on 1 to 64 threads, bit for bit, on the dense layers' shapes and on random ones. With the
/// earlier rule (one slab per thread) a single thread computed 1024 x 500 x 784 in one call and two
/// threads in two, and 352 of its rows differed in their last bits.
final class CPUBackendThreadsTests: XCTestCase {
    func testProductsAreTheSameOnEveryThreadCount() throws {
        var shapes: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool)] = [
            (1024, 500, 784, false, true), (1024, 2000, 500, false, true), (1024, 128, 3136, false, true),
            (256, 500, 784, false, true), (500, 784, 256, true, false), (256, 784, 500, false, false),
            (2000, 500, 256, true, false), (10, 2000, 1024, true, false), (70, 9000, 10, false, true),
        ]
        var g = SeededGenerator(seed: 41)
        for _ in 0 ..< 12 {
            shapes.append((1 + Int(g.next(below: 1500)), 1 + Int(g.next(below: 900)), 1 + Int(g.next(below: 900)),
                           g.next(below: 2) == 0, g.next(below: 2) == 0))
        }
        for (index, s) in shapes.enumerated() {
            let a = randomFloats(s.m * s.k, seed: UInt64(index)), b = randomFloats(s.k * s.n, seed: UInt64(index) + 100)
            let c = randomFloats(s.m * s.n, seed: UInt64(index) + 200)
            let (alpha, beta): (Float, Float) = index % 3 == 0 ? (0.37, 0.5) : (1, index % 3 == 1 ? 0 : 1)
            func product(threads: Int) throws -> [Float] {
                let backend = CPUBackend(threads: threads)
                let out = try backend.makeBuffer(c)
                try backend.gemm(try backend.makeBuffer(a), try backend.makeBuffer(b), into: out, m: s.m, n: s.n, k: s.k,
                                 transA: s.transA, transB: s.transB, alpha: alpha, beta: beta)
                return try backend.floats(out)
            }
            let reference = try product(threads: 2)
            for threads in [1, 3, 5, 16, 64] {
                let result = try product(threads: threads)
                guard memcmp(result, reference, 4 * result.count) != 0 else { continue }
                let differing = zip(result, reference).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                XCTFail("\(s) alpha \(alpha) beta \(beta): \(threads) threads differ from 2 in \(differing) values")
            }
        }
    }

    /// The pieces cover C exactly once; up to two threads they are the canonical pieces; row runs
    /// start at multiples of 48 from their piece's first row and each holds more than 10^6
    /// multiply-adds.
    func testSplitCoversTheProductOnce() {
        for (m, n, k) in [(1024, 500, 784), (500, 784, 256), (7, 7, 7), (33, 40_000, 1), (70_000, 10, 64), (97, 5000, 3)] {
            let canonical = GemmSplit(m: m, n: n, k: k, threads: 2).pieces
            XCTAssertEqual(GemmSplit(m: m, n: n, k: k, threads: 1).pieces, canonical)
            for threads in [1, 2, 3, 8, 64] {
                let pieces = GemmSplit(m: m, n: n, k: k, threads: threads).pieces
                var covered = [Int](repeating: 0, count: m * n)
                for piece in pieces { for r in piece.rows { for c in piece.columns { covered[r * n + c] += 1 } } }
                XCTAssertTrue(covered.allSatisfy { $0 == 1 }, "\(m)x\(n)x\(k) on \(threads) threads")
                for piece in pieces {
                    let parent = canonical.first { $0.rows.contains(piece.rows.lowerBound) && $0.columns == piece.columns }
                    XCTAssertNotNil(parent, "\(m)x\(n)x\(k): \(piece) lies in no canonical piece")
                    guard let parent, piece != parent else { continue }
                    XCTAssertEqual((piece.rows.lowerBound - parent.rows.lowerBound) % GemmSplit.rowUnit, 0)
                    XCTAssertGreaterThan(piece.rows.count * piece.columns.count * k, GemmSplit.smallMatrixWork)
                }
            }
        }
        XCTAssertEqual(GemmSplit(m: 1024, n: 500, k: 784, threads: 2).pieces.map(\.rows), [0 ..< 512, 512 ..< 1024])
        // Sixteen threads: each half in runs of 96 rows (512 / 8 = 64, rounded up to 48's multiple).
        XCTAssertEqual(GemmSplit(m: 1024, n: 500, k: 784, threads: 16).pieces.map(\.rows.count), [96, 96, 96, 96, 96, 32, 96, 96, 96, 96, 96, 32])
    }

    /// The default count reads the affinity mask of `/proc/self/status` and cgroup v2's `cpu.max`.
    func testAvailableCPUsFromTheMaskAndTheQuota() throws {
        XCTAssertEqual(CPUThreads.allowedCPUs("Name:\tfmnist\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n"), 2)
        XCTAssertEqual(CPUThreads.allowedCPUs("Cpus_allowed:\tffffffff,ffffffff,00000000,0000000f\n"), 68)
        XCTAssertNil(CPUThreads.allowedCPUs("Cpus_allowed:\t0\n"))
        XCTAssertNil(CPUThreads.allowedCPUs("Name:\tfmnist\n"))
        XCTAssertNil(CPUThreads.allowedCPUs("Cpus_allowed:\tzz\n"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cpu.max-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        for (text, expected) in [("max 100000\n", nil), ("250000 100000\n", 3), ("50000 100000", 1), ("junk", nil)] as [(String, Int?)] {
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            XCTAssertEqual(CPUThreads.cgroupQuota(file), expected, text)
        }
        XCTAssertNil(CPUThreads.cgroupQuota("/nonexistent/cpu.max"))
        XCTAssertGreaterThanOrEqual(CPUThreads.available, 1)
    }
}
