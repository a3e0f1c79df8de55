import CBLAS
import Foundation

/// OpenBLAS's own thread pool, switched off for the process once any backend exists.
///
/// The backend parallelises its work itself (products cut into slabs, convolutions image by image)
/// and calls BLAS from each of its workers; OpenBLAS's pool would otherwise take those calls too
/// (concurrent calls queue for the one pool) and stays awake spinning between calls, taking cores
/// from everything around it. The count is set once and never changed back: one thread and many
/// can differ in the last bits for some shapes (e.g. 1000x10x784 with OpenBLAS 0.3.21), so a count
/// that changed while another thread (a second study lane) was inside BLAS would make results
/// depend on timing. Code that calls BLAS directly (Cluster, Reduce) then runs it on its own thread —
/// under the OpenCL backend too, so that host-side results do not depend on the backend: with
/// OpenBLAS's pool on, its split of a product (e.g. the spectral layout's Rayleigh-Ritz `Q^T A Q`
/// with the `Haswell` kernels) rounds differently from the one-thread product.
enum BLASThreads {
    /// Runs at most once per process (a `static let` initialiser).
    private static let switchedOff: Void = { openblas_set_num_threads(1) }()

    /// Makes every later BLAS call run on the thread that makes it.
    static func useCallingThreadOnly() { _ = switchedOff }
}
