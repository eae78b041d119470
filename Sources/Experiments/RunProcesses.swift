// The suite's runs as `colad train` child processes (the CLI's RunTraining): each run's resolved
// config is written to RUN/suite-run.yaml and trained with `colad train --config … --work-dir RUN
// --resume`, with COLAD_THREADS / OPENBLAS_NUM_THREADS set to the run's threads. The child's
// output goes to RUN/train.log and, prefixed with the run's id, to the suite's log. Several runs
// in parallel use a small machine better than one run on all its cores (the GEMMs of these
// networks do not scale to every core; docs/experiments/2026-12-01/ANALYSIS.md).
import Config
import Engine
import Foundation
import Training

public final class RunProcesses: @unchecked Sendable {
    public let executable: URL
    private let lock = NSLock()
    private var running: [ObjectIdentifier: Process] = [:]
    private var stopping = false

    /// `executable`: the colad binary (the CLI passes its own, /proc/self/exe).
    public init(executable: URL) { self.executable = executable }

    public var training: RunTraining { { [self] run, threads, log in try self.train(run, threads: threads, log: log) } }

    static let tailLines = 20

    func train(_ run: SuiteRun, threads: Int, log: @escaping @Sendable (String) -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: run.workDir, withIntermediateDirectories: true)
        let yaml = run.workDir.appendingPathComponent("suite-run.yaml")
        try writeAtomically(Data(run.config.resolvedYAML().utf8), to: yaml)
        let logURL = run.workDir.appendingPathComponent("train.log")
        if !fm.fileExists(atPath: logURL.path) { _ = fm.createFile(atPath: logURL.path, contents: nil) }
        let logFile = try FileHandle(forWritingTo: logURL)
        defer { try? logFile.close() }
        logFile.seekToEndOfFile()

        let p = Process()
        p.executableURL = executable
        p.arguments = ["train", "--config", yaml.path, "--work-dir", run.workDir.path, "--resume"]
        var env = ProcessInfo.processInfo.environment
        env["COLAD_THREADS"] = "\(threads)"
        env["OPENBLAS_NUM_THREADS"] = "\(threads)"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try register(p) { try p.run() }
        defer { unregister(p) }
        try? pipe.fileHandleForWriting.close()

        var tail: [String] = []
        var partial = Data()
        func emit(_ line: Data) {
            guard let text = String(data: line, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return }
            log(text)
            tail.append(text)
            if tail.count > RunProcesses.tailLines { tail.removeFirst() }
        }
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }   // EOF: the child and everything it started closed the pipe
            logFile.write(chunk)
            partial.append(chunk)
            while let nl = partial.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                emit(partial[partial.startIndex..<nl])
                partial.removeSubrange(partial.startIndex...nl)
            }
        }
        emit(partial)
        p.waitUntilExit()
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let how = p.terminationReason == .exit ? "exited with status \(p.terminationStatus)" : "was killed by signal \(p.terminationStatus)"
            throw TrainingError("`colad train` of \(run.id) \(how); its last lines:\n" + tail.map { "    " + $0 }.joined(separator: "\n"),
                                hint: "the whole log is \(logURL.path); the run resumes from its latest checkpoint when the suite is run again")
        }
    }

    private func register(_ p: Process, start: () throws -> Void) throws {
        lock.lock(); defer { lock.unlock() }
        guard !stopping else { throw TrainingError("the suite is stopping", hint: "run the command again to continue") }
        try start()
        running[ObjectIdentifier(p)] = p
    }

    private func unregister(_ p: Process) {
        lock.lock(); running[ObjectIdentifier(p)] = nil; lock.unlock()
    }

    /// Ends every running child with SIGTERM and starts no more (the suite was interrupted);
    /// returns how many there were. Their runs resume from their latest checkpoints next time.
    @discardableResult
    public func terminateAll() -> Int {
        lock.lock(); defer { lock.unlock() }
        stopping = true
        for p in running.values where p.isRunning { p.terminate() }
        return running.count
    }
}
