// When to evaluate, checkpoint and stop (DESIGN.md §5), decided per iteration by the ledger for
// both drivers. `done` counts completed iterations (the one just decided, plus one).
import Config

public struct Schedule: Equatable, Sendable {
    /// train.iterations: the schedule's length (the last evaluation happens there).
    public let total: Int
    /// This launch stops after `end` iterations (--max-iters, a stop request).
    public internal(set) var end: Int
    public let evalEvery: Int?
    public let checkpointEvery: Int?

    public init(total: Int, end: Int, evalEvery: Int?, checkpointEvery: Int?) {
        self.total = total; self.end = end; self.evalEvery = evalEvery; self.checkpointEvery = checkpointEvery
    }

    /// The launch `[start, start + stopAfter)` of a config's schedule (clamped to train.iterations).
    public init(_ config: ScheduleConfig, start: Int, stopAfter: Int?) {
        self.init(total: config.iterations, end: min(config.iterations, stopAfter.map { start + $0 } ?? config.iterations),
                  evalEvery: config.evalEvery, checkpointEvery: config.checkpointEvery)
    }

    /// After `done` iterations: evaluate every eval_every (and at the schedule's end); save every
    /// checkpoint_every and at the launch's end; `checkpointNow`/`stop` come from control requests.
    public func after(done: Int, stop: Bool = false, checkpointNow: Bool = false) -> (evaluate: Bool, checkpoint: Bool, last: Bool) {
        let evaluate = (evalEvery.map { done % $0 == 0 } ?? false && done < total) || done == total
        let checkpoint = (checkpointEvery.map { done % $0 == 0 } ?? false && done < end) || done == end || checkpointNow || stop
        return (evaluate, checkpoint, done == end || stop)
    }
}
