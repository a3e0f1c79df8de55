import Dispatch
import Foundation
import Synchronization

/// Splits `0 ..< count` into contiguous ranges of at least `grain` items and runs `body` on them
/// across the machine's cores (serially when there is only one range).
public func parallelFor(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let pieces = max(1, min(cores * 4, count / max(1, grain)))
    if pieces == 1 { body(0 ..< count); return }
    let step = (count + pieces - 1) / pieces
    DispatchQueue.concurrentPerform(iterations: pieces) { p in
        let lo = p * step
        let hi = min(count, lo + step)
        if lo < hi { body(lo ..< hi) }
    }
}

extension CPUBackend {
    /// Workers for `items` independent pieces of work: one per core, at most one per piece.
    static func workerCount(_ items: Int) -> Int {
        max(1, min(ProcessInfo.processInfo.activeProcessorCount, items))
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
