/// How `CPUBackend.gemm` cuts a row-major product `C[m, n] = A[m, k] B[k, n]` into single-threaded
/// BLAS calls, so that its result does not depend on the number of threads.
///
/// OpenBLAS does not compute a row of C the same way in every call: with 0.3.21's Haswell kernels
/// the rows go in groups of 12 from the start of the call (measured: rows 12-15 of a 16-row call
/// differ in their last bits from the same rows inside a longer call, and cuts at multiples of 48
/// never differ), a group cut short by the call's end being computed by other kernels. So the cut
/// is made in two steps:
///
/// 1. **Canonical pieces**, which fix the result: a product of fewer than 2^20 multiply-adds is one
///    call; a larger one is cut along its longer side (rows when `m >= n`, else columns) into two
///    pieces at a multiple of 16, or one when that side is shorter than 32 — the split this backend
///    always made on two cores, so results computed on two cores before stay bit for bit the same.
/// 2. **Row pieces**, only to feed more threads: a canonical piece is cut further into runs of rows
///    starting at multiples of 48 from the piece's first row (48 = lcm(12, 16), a whole number of
///    the kernels' row groups), each run of more than 10^6 multiply-adds (OpenBLAS's SkylakeX
///    kernels take calls of up to 10^6 through a separate small-matrix path). Such a cut computes
///    every row exactly as the piece's own call does. Measured on random shapes (M up to 40,000,
///    both transposes, alpha and beta): identical for OpenBLAS 0.3.21's Haswell, Zen, SkylakeX,
///    Sandybridge and Prescott kernels; cutting columns instead is not (other column blocks), which
///    is why extra threads always cut rows. `CPUBackendThreadsTests` checks it on the machine's
///    kernels.
///
/// With one thread the canonical pieces run one after the other, with more they run side by side.
/// The price: a product cut by columns whose pieces are too short for row runs (fewer than about
/// 96 rows, e.g. K-means' centre update `[k, n] x [n, d]`) uses at most two threads, where the old
/// rule gave it every core (not yet measured on a machine with more than two).
struct GemmSplit {
    struct Piece: Equatable {
        var rows: Range<Int>
        var columns: Range<Int>
    }

    /// Multiply-adds from which a product is cut into canonical pieces.
    static let splitWork = Double(1 << 20)
    /// Row runs start at multiples of this many rows from their canonical piece's first row.
    static let rowUnit = 48
    /// A row run's multiply-adds must exceed this (SkylakeX's small-matrix limit).
    static let smallMatrixWork = 1_000_000

    let pieces: [Piece]

    init(m: Int, n: Int, k: Int, threads: Int) {
        let work = Double(m) * Double(n) * Double(k)
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let canonicalCount = work >= Self.splitWork ? max(1, min(2, extent / 16)) : 1
        let slab = (extent + canonicalCount * 16 - 1) / (canonicalCount * 16) * 16
        var canonical: [Piece] = []
        for lo in stride(from: 0, to: extent, by: slab) {
            let part = lo ..< min(extent, lo + slab)
            canonical.append(splitRows ? Piece(rows: part, columns: 0 ..< n) : Piece(rows: 0 ..< m, columns: part))
        }
        guard threads > canonical.count else { pieces = canonical; return }
        let runsPerPiece = (threads + canonical.count - 1) / canonical.count
        pieces = canonical.flatMap { Self.rowRuns(of: $0, runs: runsPerPiece, k: k) }
    }

    /// `piece` cut into at most `runs` runs of rows at multiples of `rowUnit` from its first row,
    /// each run above `smallMatrixWork` multiply-adds (the last run absorbs a short remainder).
    static func rowRuns(of piece: Piece, runs: Int, k: Int) -> [Piece] {
        let rows = piece.rows.count, perRow = piece.columns.count * k
        let fewest = smallMatrixWork / max(1, perRow) + 1
        var length = max((rows + runs - 1) / runs, fewest)
        length = (length + rowUnit - 1) / rowUnit * rowUnit
        var result: [Piece] = []
        var lo = piece.rows.lowerBound
        while lo < piece.rows.upperBound {
            var hi = min(piece.rows.upperBound, lo + length)
            if piece.rows.upperBound - hi < fewest { hi = piece.rows.upperBound }
            result.append(Piece(rows: lo ..< hi, columns: piece.columns))
            lo = hi
        }
        return result
    }
}

extension CPUBackend {
    /// Checks on this machine's BLAS kernels that products do not depend on the thread count: four
    /// shapes of the kind training and clustering use (both cut directions, a transpose, runs of rows
    /// on 3 and 16 threads), each against its 2-thread product, bit for bit. `false` means this CPU's
    /// kernels round the cut differently, so results may depend on `FMNIST_THREADS` (`fmnist devices`
    /// says so). About 0.1 s.
    public static func productsIgnoreThreadCount() throws -> Bool {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float { // xorshift64*, uniform in [-1, 1)
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Float((state &* 0x2545_F491_4F6C_DD1D) >> 40) / Float(1 << 23) - 1
        }
        for (m, n, k, transB) in [(1024, 500, 784, true), (500, 784, 256, false), (256, 3136, 128, false), (2000, 60, 784, false)] {
            let a = (0 ..< m * k).map { _ in next() }, b = (0 ..< k * n).map { _ in next() }
            var products: [[Float]] = []
            for threads in [2, 3, 16] {
                let backend = CPUBackend(threads: threads), c = try backend.makeBuffer(count: m * n)
                try backend.gemm(try backend.makeBuffer(a), aOffset: 0, try backend.makeBuffer(b), bOffset: 0, into: c, cOffset: 0,
                                 m: m, n: n, k: k, transA: false, transB: transB, alpha: 1, beta: 0)
                products.append(try backend.floats(c))
            }
            guard products.allSatisfy({ $0.elementsEqual(products[0]) { $0.bitPattern == $1.bitPattern } }) else { return false }
        }
        return true
    }
}
