import Dispatch
import Foundation

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
