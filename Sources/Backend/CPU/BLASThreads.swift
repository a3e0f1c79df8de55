import CBLAS
import Foundation

/// Scoped limits on OpenBLAS's own thread pool.
///
/// The backend parallelises some ops itself (a convolution over the images of a batch) and calls
/// BLAS once per image from each of its workers. OpenBLAS would otherwise hand each of those calls
/// to its pool too, and concurrent calls then queue for the one pool. Inside `singleThreaded`, every
/// BLAS call runs on the thread that makes it; the previous thread count comes back when the last
/// overlapping scope ends. OpenBLAS's GEMM splits only `m` and `n` over its threads, never the sum
/// over `k`, so a product is the same to the bit with one thread or many.
enum BLASThreads {
    private static let state = ScopeState()

    static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        state.enter()
        defer { state.leave() }
        return try body()
    }

    private final class ScopeState: @unchecked Sendable {
        private let lock = NSLock()
        private var depth = 0, saved: Int32 = 1

        func enter() {
            lock.lock(); defer { lock.unlock() }
            if depth == 0 {
                saved = openblas_get_num_threads()
                if saved > 1 { openblas_set_num_threads(1) }
            }
            depth += 1
        }

        func leave() {
            lock.lock(); defer { lock.unlock() }
            depth -= 1
            if depth == 0, saved > 1 { openblas_set_num_threads(saved) }
        }
    }
}
