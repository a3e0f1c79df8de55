import Dispatch
import Foundation
import Synchronization

/// Splits `0 ..< count` into contiguous ranges of at least `grain` items (up to four per thread)
/// and runs `body` on them on `CPUThreads.count` threads at most (serially when there is only one
/// range). Callers make each range's work independent of the others, so the cut never shows in a
/// result.
public func parallelFor(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = CPUThreads.count
    let pieces = max(1, min(threads * 4, count / max(1, grain)))
    if pieces == 1 { body(0 ..< count); return }
    let step = (count + pieces - 1) / pieces
    CPUBackend.shareOut(pieces, lanes: min(threads, pieces)) { _, p in
        let lo = p * step
        let hi = min(count, lo + step)
        if lo < hi { body(lo ..< hi) }
    }
}

extension CPUBackend {
    /// Workers for `items` independent pieces of work: one per thread, at most one per piece.
    static func workerCount(_ items: Int) -> Int {
        max(1, min(CPUThreads.count, items))
    }

    /// Runs `body(lane, item)` for every item of `0 ..< items` on `lanes` workers, each taking the
    /// next item when it finishes one.
    static func shareOut(_ items: Int, lanes: Int, _ body: (_ lane: Int, _ item: Int) -> Void) {
        guard items > 0 else { return }
        if lanes == 1 { for item in 0 ..< items { body(0, item) }; return }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            while true {
                let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard item < items else { return }
                body(lane, item)
            }
        }
    }
}
