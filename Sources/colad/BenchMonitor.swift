import ArgumentParser
import Engine
import Foundation
import Runtime

struct BenchMonitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "What watching a run costs: step time with TensorBoard, trace and /metrics on vs off.",
        discussion: """
        Runs `colad train` (this executable) in alternating rounds, everything off (monitor.tensorboard \
        false, no trace, no /metrics) then everything on (TensorBoard, --trace, monitor.prometheus_port=0 \
        with a scrape of /metrics every 0.5 s while it runs when the job is distributed), each in a fresh \
        work dir. A round's step time is the median interval between its metrics.jsonl lines \
        (wall_time), after the first --skip lines. Prints each round and the median ratio on/off. \
        --launcher runs each round under a launcher, e.g. --launcher "mpirun -np 3 --oversubscribe --bind-to none".
        """)

    @Option(help: "Config file.", completion: .configFile) var config: String
    @Option(name: .customLong("set"), help: "Override a key (repeatable).") var overrides: [String] = []
    @Option(help: "Rounds of each setting (alternating).") var rounds = 5
    @Option(help: "Iterations per round.") var iterations = 60
    @Option(help: "Lines skipped at the start of each round (warm-up).") var skip = 5
    @Option(help: "Command prefix for each round (e.g. an mpirun invocation); empty = one process.") var launcher = ""

    func run() throws {
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("colad-bench-monitor-\(getpid())")
        defer { try? FileManager.default.removeItem(at: base) }
        var off: [Double] = [], on: [Double] = []
        for r in 0..<rounds {
            for enabled in [false, true] {
                let dir = base.appendingPathComponent("\(enabled ? "on" : "off")-\(r)")
                var args = ["train", "--config", config, "--work-dir", dir.path, "--max-iters", String(iterations)]
                for o in overrides { args += ["--set", o] }
                args += ["--set", "train.log_every=1000000", "--set", "monitor.tensorboard=\(enabled)", "--set", "monitor.trace=\(enabled)"]
                if enabled && !launcher.isEmpty { args += ["--set", "monitor.prometheus_port=0"] }
                let seconds = try round(me, args, dir: dir, scrape: enabled && !launcher.isEmpty)
                (enabled ? { on.append(seconds) } : { off.append(seconds) })()
                print(String(format: "round %d %@: step %.2f ms", r + 1, enabled ? "on " : "off", seconds * 1e3))
            }
        }
        let ratios = zip(on, off).map { $0 / $1 }
        print(String(format: "step time, median of %d rounds: off %.2f ms, on %.2f ms; on/off per round: median %.4f (min %.4f, max %.4f)",
                     rounds, SampleStatistics.median(off) * 1e3, SampleStatistics.median(on) * 1e3,
                     SampleStatistics.median(ratios), ratios.min() ?? .nan, ratios.max() ?? .nan))
    }

    /// Runs one round; returns its median step time.
    func round(_ executable: String, _ args: [String], dir: URL, scrape: Bool) throws -> Double {
        let p = Process()
        let prefix = launcher.split(separator: " ").map(String.init)
        p.executableURL = URL(fileURLWithPath: prefix.isEmpty ? executable : "/usr/bin/env")
        p.arguments = prefix.isEmpty ? args : prefix + [executable] + args
        let log = dir.deletingLastPathComponent().appendingPathComponent(dir.lastPathComponent + ".log")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = try FileHandle(forWritingTo: log)
        p.standardOutput = out; p.standardError = out
        try p.run()
        var scrapes = 0
        while p.isRunning {
            Thread.sleep(forTimeInterval: 0.5)
            if scrape, let url = try? String(contentsOf: dir.appendingPathComponent("metrics-endpoint"), encoding: .utf8),
               let u = URL(string: url.trimmingCharacters(in: .whitespacesAndNewlines)), let host = u.host, let port = u.port,
               let answer = try? MetricsServer.get(host: host, port: port), answer.hasPrefix("HTTP/1.1 200") {
                scrapes += 1
            }
        }
        try out.close()
        guard p.terminationStatus == 0 else {
            throw BenchError("a round failed (exit \(p.terminationStatus)); its log: \(log.path)\n" + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
        }
        if scrape && scrapes == 0 { throw BenchError("no /metrics scrape succeeded during the round (\(log.path))") }
        let times = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap { line -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["eval"] == nil else { return nil }
            return o["wall_time"] as? Double
        }
        let intervals = zip(times.dropFirst(), times).map { $0 - $1 }.dropFirst(skip)
        guard !intervals.isEmpty else { throw BenchError("round too short: \(times.count) iterations (--iterations > --skip + 1)") }
        return SampleStatistics.median(Array(intervals))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
