import CBLAS
import CIntrinsics
import Foundation

/// The BLAS backend: OpenBLAS `cblas_sgemm` for matrix products, Swift loops spread over the cores
/// for the rest. Ops run synchronously, so `synchronize` has nothing to wait for.
public final class CPUBackend: ComputeBackend {
    public typealias Buffer = CPUBuffer

    public let name = "cpu"
    /// Only for the generic im2col path, which this backend's own image-by-image convolutions
    /// replace (`CPUBackend+ImageConvolution.swift`); 8 MiB was the best pass size for it on 2 cores.
    public let convolutionChunkBytes = 8 << 20
    /// Workers the backend's products are spread over (`CPUThreads.count` unless given); their
    /// results do not depend on it.
    public let threads: Int

    /// Switches OpenBLAS's own threads off for the process (see `BLASThreads`).
    public init(threads: Int? = nil) {
        BLASThreads.useCallingThreadOnly()
        self.threads = max(1, threads ?? CPUThreads.count)
    }

    /// The BLAS library's own description and the threads the backend spreads its work over, e.g.
    /// `OpenBLAS 0.3.21 ... Haswell, 2 threads`.
    public var deviceDescription: String { "\(Self.blasDescription), \(threads) threads" }

    /// OpenBLAS's configuration string (version, build options, the kernel it picked).
    public static var blasDescription: String {
        guard let config = openblas_get_config() else { return "OpenBLAS" }
        return "OpenBLAS " + String(cString: config).trimmingCharacters(in: .whitespaces)
    }

    /// Threads OpenBLAS uses per call (1 once a CPU backend exists: the backend's own workers split
    /// the work instead).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// The kernel family OpenBLAS chose for this CPU (e.g. `Haswell`), honouring `OPENBLAS_CORETYPE`.
    public static var blasCoreName: String {
        guard let core = openblas_get_corename() else { return "unknown" }
        return String(cString: core)
    }

    /// The vector instructions the CPU backend's im2col, col2im and 2x2 max pooling run on: `AVX-512F`,
    /// `AVX2` (col2im in plain loops: its AVX2 form was slower) or `none` (plain loops); every choice gives
    /// the same bits (`convolution_rows.c`).
    public static var convolutionKernels: String {
        switch fmnist_convolution_rows_level() {
        case 2: return "AVX-512F"
        case 1: return "AVX2"
        default: return "none"
        }
    }

    /// `convolutionKernels` in words, for `fmnist devices`.
    public static var convolutionKernelsDescription: String {
        switch convolutionKernels {
        case "AVX-512F": return "im2col, col2im and 2x2 max pooling in AVX-512F"
        case "AVX2": return "im2col and 2x2 max pooling in AVX2, col2im in plain loops"
        default: return "im2col, col2im and 2x2 max pooling in plain loops (neither AVX-512F nor AVX2)"
        }
    }

    public func makeBuffer(count: Int) throws -> CPUBuffer {
        guard count >= 0 else { throw BackendError.invalidArgument("buffer size \(count) is negative") }
        return CPUBuffer(count: count)
    }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: CPUBuffer, offset: Int) throws {
        precondition(offset >= 0 && offset + source.count <= buffer.count, "upload: \(source.count) at \(offset) exceeds \(buffer.count)")
        guard let base = source.baseAddress else { return }
        (buffer.floats + offset).update(from: base, count: source.count)
    }

    public func upload(_ source: UnsafeBufferPointer<Int32>, to buffer: CPUBuffer, offset: Int) throws {
        precondition(offset >= 0 && offset + source.count <= buffer.count, "upload: \(source.count) at \(offset) exceeds \(buffer.count)")
        guard let base = source.baseAddress else { return }
        buffer.withInts { ($0 + offset).update(from: base, count: source.count) }
    }

    public func download(_ buffer: CPUBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) throws {
        precondition(offset >= 0 && offset + destination.count <= buffer.count, "download: \(destination.count) at \(offset) exceeds \(buffer.count)")
        guard let base = destination.baseAddress else { return }
        base.update(from: buffer.floats + offset, count: destination.count)
    }

    public func download(_ buffer: CPUBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Int32>) throws {
        precondition(offset >= 0 && offset + destination.count <= buffer.count, "download: \(destination.count) at \(offset) exceeds \(buffer.count)")
        guard let base = destination.baseAddress else { return }
        buffer.withInts { base.update(from: $0 + offset, count: destination.count) }
    }

    public func fill(_ buffer: CPUBuffer, with value: Float, offset: Int, count: Int) throws {
        precondition(offset >= 0 && offset + count <= buffer.count, "fill: \(count) at \(offset) exceeds \(buffer.count)")
        (buffer.floats + offset).update(repeating: value, count: count)
    }

    public func copy(_ source: CPUBuffer, srcOffset: Int, to destination: CPUBuffer, dstOffset: Int, count: Int) throws {
        precondition(srcOffset >= 0 && srcOffset + count <= source.count, "copy: source range exceeds \(source.count)")
        precondition(dstOffset >= 0 && dstOffset + count <= destination.count, "copy: destination range exceeds \(destination.count)")
        (destination.floats + dstOffset).update(from: source.floats + srcOffset, count: count)
    }

    public func synchronize() throws {}
    public func flush() throws {}
    public var trainingBatchesPerRead: Int { TrainingBatchGroups.fromEnvironment ?? 1 }

    public func gemm(_ a: CPUBuffer, aOffset: Int, _ b: CPUBuffer, bOffset: Int, into c: CPUBuffer, cOffset: Int,
                     m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) throws {
        checkGemmShapes(a: a.count - aOffset, b: b.count - bOffset, c: c.count - cOffset, m: m, n: n, k: k)
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS scales C by beta; with beta 0 it must not read C.
            let out = c.floats + cOffset
            if beta == 0 { out.update(repeating: 0, count: m * n) } else { for i in 0 ..< m * n { out[i] *= beta } }
            return
        }
        let (lda, ldb) = (transA ? m : k, transB ? k : n)
        let (ta, tb) = (transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans)
        let (pa, pb, pc) = (a.floats + aOffset, b.floats + bOffset, c.floats + cOffset)
        // Single-threaded BLAS calls on the backend's own workers (OpenBLAS's pool would stay awake
        // spinning between calls, taking cores from the convolutions and elementwise ops around it),
        // cut so that the result does not depend on the number of threads (`GemmSplit`).
        let split = GemmSplit(m: m, n: n, k: k, threads: threads)
        Self.shareOut(split.pieces.count, lanes: min(threads, split.pieces.count)) { _, index in
            let piece = split.pieces[index]
            let (rows, columns) = (piece.rows, piece.columns)
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(rows.count), Int32(columns.count), Int32(k), alpha,
                        pa + (transA ? rows.lowerBound : rows.lowerBound * k), Int32(lda),
                        pb + (transB ? columns.lowerBound * k : columns.lowerBound), Int32(ldb),
                        beta, pc + rows.lowerBound * n + columns.lowerBound, Int32(n))
        }
    }
}

/// Preconditions shared by both backends' GEMM: each operand holds its `m*k`, `k*n`, `m*n` elements.
func checkGemmShapes(a: Int, b: Int, c: Int, m: Int, n: Int, k: Int) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(a >= m * k, "gemm: A holds \(a) elements past its offset, needs m*k = \(m * k)")
    precondition(b >= k * n, "gemm: B holds \(b) elements past its offset, needs k*n = \(k * n)")
    precondition(c >= m * n, "gemm: C holds \(c) elements past its offset, needs m*n = \(m * n)")
}
