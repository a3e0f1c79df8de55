import Foundation

extension OpenCLBackend {
    /// The tile for one tiled product of `shape`: the tuner's choice when it has one; on the call that is due, the
    /// fastest candidate timed through `run` (which launches the product with a tile into the scratch output it is
    /// given, never into the caller's); else `heuristic`. See `GemmTuner`.
    func tunedTiling(_ shape: GemmTuner.Shape, heuristic: GemmTiling,
                     run: (GemmTiling, OpenCLBuffer) throws -> Void) throws -> GemmTiling {
        guard let tuner = gemmTuner else { return heuristic }
        if let chosen = tuner.choice(for: shape) { return chosen }
        guard tuner.isDue(shape) else { return heuristic }
        // The timing runs write a scratch output as large as the product's: past `scratchLimitBytes`, or when the
        // device cannot hold it beside the caller's data, the shape keeps the heuristic tile untimed.
        guard shape.m * shape.n * 4 <= tuner.scratchLimitBytes,
              let scratch = try? scratchBuffer(count: shape.m * shape.n, slot: .tuningOutput) else {
            tuner.remember(shape, heuristic, timed: false)
            return heuristic
        }
        defer { releaseScratch(.tuningOutput) }
        // A device that allocates lazily may fail only now, on the scratch's first use: the product itself goes on.
        guard let once = try? secondsPerLaunch(repeats: 1, { try run(heuristic, scratch) }) else {
            tuner.remember(shape, heuristic, timed: false)
            return heuristic
        }
        let repeats = max(1, min(64, Int((GemmTuner.trialSeconds / max(once, 1e-7)).rounded(.up))))
        let candidates = tuner.candidates(m: shape.m, n: shape.n, heuristic: heuristic)
        guard once * Double(candidates.count * (3 * repeats + 1)) <= tuner.budgetSeconds else {
            tuner.remember(shape, heuristic, timed: false)
            return heuristic
        }
        var times: [(tiling: GemmTiling, seconds: Double)] = []
        for candidate in candidates {
            // A tile the driver cannot build or launch for this kernel (registers, local memory) is not a choice.
            guard let seconds = try? secondsPerLaunch(repeats: repeats, { try run(candidate, scratch) }) else { continue }
            times.append((candidate, seconds))
        }
        guard let base = times.first(where: { $0.tiling == heuristic }) else { return heuristic }
        let fastest = times.min { $0.seconds < $1.seconds }!
        let chosen = fastest.seconds < GemmTuner.margin * base.seconds ? fastest.tiling : heuristic
        tuner.remember(shape, chosen, timed: true)
        return chosen
    }

    /// Device seconds per launch of `body`: one warm-up (which also builds the kernel), then the best of three
    /// trials of `repeats` launches, each trial between two waits for the queue.
    func secondsPerLaunch(repeats: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        try synchronize()
        var best = Double.infinity
        for _ in 0 ..< 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0 ..< repeats { try body() }
            try synchronize()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best / Double(repeats)
    }
}
