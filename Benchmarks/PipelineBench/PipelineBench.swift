import Foundation
import HangarContracts
import HangarHarness
import HangarStorage
import SQLKit

/// Measures the whole pipeline — intake, scheduler, workers, recorder and notifier as
/// processes on the real broker — and prints figures:
///   1. one deployment at a time, zero-time steps: p50/p99 latency from submit (HTTP 202) to
///      succeeded-in-history (seen in the recorder's store);
///   2. a burst of zero-time deployments, 1 and 2 workers: deployments per second, latency,
///      and the CPU time per deployment of each service and of the broker (from /proc);
///   3. steps that hold their worker 50 ms, 1, 2 and 4 single-slot workers: throughput;
///   4. deployments that each wait 10 s on a pending image, one worker: total time;
///   5. reads under load (`ReadLoad`): a history page, the same page answered 304, one deployment.
///
///   6. each service's resident memory at rest (`IdleMemory`);
///   7. with `--history N` only: one at a time on a fresh system and with N more deployments stored;
///   8. with `--scheduled N` only: N deployments due at the same instant, how fast they start (`ScheduledDrain`);
///   9. with `--spread N S` only: N deployments due at instants spread over S seconds, how late they start (`ScheduledSpread`);
///  10. with `--only-observability` only: what logging and tracing cost a burst, and the size of each service's scrape (`ObservabilityCost`).
///  11. with `--sequential N` only: row 1 alone, over N deployments (to profile one at a time).
///  12. with `--only-codec` only: what reading and writing a step command, a step outcome, an event batch and a deployment's end cost (`CodecCost`).
///
/// `--only-bursts`: rows 1 and 2 only.
///
///     pipeline-bench [--quick] [--only-bursts] [--only-waiting] [--only-reads] [--only-memory] [--only-codec] [--only-observability] [--history N] [--scheduled N] [--spread N S] [--sequential N]
///
/// `HANGAR_BIN_DIR`: where the release executables are (it refuses debug builds, of itself or
/// of the services, whose figures say nothing of a release); `HANGAR_TEST_AMQP_URL` and
/// `HANGAR_TEST_MANAGEMENT_URL`: the broker (default: the local one); the broker's process
/// for its CPU time: `HANGAR_BENCH_BROKER_PID`, else the `beam.smp` running RabbitMQ.
@main
enum PipelineBench {
    /// The worker's slots (`HANGAR_WORKER_CONCURRENCY`) in the bursts and the 500 waiting
    /// deployments: 48, or `HANGAR_BENCH_WORKER_SLOTS`. A slot is held from a command's delivery
    /// until the broker confirms the step's outcome and the command is acked; with zero-time
    /// steps that is all of a slot's time, a few milliseconds under a burst's load. With 8 slots
    /// one worker capped a burst near 1,600 steps (about 260 deployments) a second while it used
    /// a sixth of a core; from 48 on, more slots changed nothing and one worker measured as two
    /// (docs/benchmarks.md, stop 42), so the bursts measure the rest of the system.
    static let burstSlots = ProcessInfo.processInfo.environment["HANGAR_BENCH_WORKER_SLOTS"].flatMap { Int($0) } ?? 48

    static func main() async {
        let quick = CommandLine.arguments.contains("--quick")
        let onlyWaiting = CommandLine.arguments.contains("--only-waiting")
        if let refusal = debugBuildRefusal(binDirectory: HangarSystem.binDirectory) {
            FileHandle.standardError.write(Data("pipeline-bench: \(refusal)\n".utf8))
            exit(2)
        }
        do {
            if let index = CommandLine.arguments.firstIndex(of: "--history"), index + 1 < CommandLine.arguments.count,
                let count = Int(CommandLine.arguments[index + 1])
            {
                try await HistoryGrowth.run(count: count, samples: quick ? 20 : 100)
                return
            }
            if let index = CommandLine.arguments.firstIndex(of: "--scheduled"), index + 1 < CommandLine.arguments.count,
                let count = Int(CommandLine.arguments[index + 1])
            {
                try await ScheduledDrain.run(count: count)
                return
            }
            if let index = CommandLine.arguments.firstIndex(of: "--spread"), index + 2 < CommandLine.arguments.count,
                let count = Int(CommandLine.arguments[index + 1]), let seconds = Double(CommandLine.arguments[index + 2])
            {
                try await ScheduledSpread.run(count: count, seconds: seconds)
                return
            }
            if let index = CommandLine.arguments.firstIndex(of: "--sequential"), index + 1 < CommandLine.arguments.count,
                let count = Int(CommandLine.arguments[index + 1])
            {
                printSequential(try await sequentialLatency(count: count))
                return
            }
            if CommandLine.arguments.contains("--only-observability") {
                try await ObservabilityCost.run(quick: quick)
                return
            }
            if CommandLine.arguments.contains("--only-codec") {
                try CodecCost.run(quick: quick)
                return
            }
            if CommandLine.arguments.contains("--only-memory") {
                try await IdleMemory.run()
                return
            }
            if CommandLine.arguments.contains("--only-reads") {
                try await ReadLoad.run(quick: quick)
                return
            }
            if !onlyWaiting {
                print(
                    "pipeline-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, binaries in \(HangarSystem.binDirectory), broker \(HangarSystem.amqpURL.replacingOccurrences(of: #"//[^@]*@"#, with: "//", options: .regularExpression))"
                )
                printSequential(try await sequentialLatency(count: quick ? 20 : 100))
                for workers in [1, 2] {
                    let result = try await run(
                        "burst-\(workers)", deployments: quick ? 200 : 1000, environments: 100, workers: workers, concurrency: burstSlots,
                        target: "{}")
                    print(
                        String(
                            format:
                                "| a burst of %d, zero-time steps, %d worker(s) of %d slots | %.0f deployments/s, latency p50 %.0f ms, p99 %.0f ms |",
                            result.count, workers, burstSlots, result.throughput, result.p50, result.p99))
                    print("| CPU per deployment in that burst | \(result.cpu.summary(per: result.count)) |")
                }
                if CommandLine.arguments.contains("--only-bursts") { return }
                var oneWorker: Double = 0
                for workers in [1, 2, 4] {
                    let result = try await run(
                        "hold-\(workers)", deployments: quick ? 12 : 40, environments: 40, workers: workers, concurrency: 1,
                        target: #"{"stepDurationMs":50}"#)
                    if workers == 1 { oneWorker = result.throughput }
                    print(
                        String(
                            format: "| 50 ms steps, %d single-slot worker(s) | %.2f deployments/s (%.2fx one worker) |",
                            workers, result.throughput, result.throughput / oneWorker))
                }
            }
            let waiting = quick ? 100 : 500
            let result = try await run(
                "wait-10s", deployments: waiting, environments: waiting, workers: 1, concurrency: burstSlots,
                target: #"{"polls":{"create_image":1},"pollIntervalMs":10000}"#)
            print(
                String(
                    format: "| %d deployments each waiting 10 s on an image, 1 worker | all done %.1f s after the first submit |",
                    result.count, result.elapsed))
            print(
                String(format: "| CPU per deployment while they were submitted (%.2f s) | ", result.submitting)
                    + result.cpuSubmitting.summary(per: result.count) + " |")
            print("| CPU per deployment, the whole run | \(result.cpu.summary(per: result.count)) |")
            if !onlyWaiting {
                try await ReadLoad.run(quick: quick)
                try await IdleMemory.run()
            }
        } catch {
            FileHandle.standardError.write(Data("pipeline-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    struct Result {
        var count: Int
        var elapsed: Double
        var throughput: Double
        var p50: Double
        var p99: Double
        var cpu = CPUTimes()
        /// ``run(_:deployments:environments:workers:concurrency:target:environment:beforeShutdown:)``
        /// only: the CPU used from the first submit until the last was answered.
        var cpuSubmitting = CPUTimes()
        /// The same: seconds from the first submit until the last was answered.
        var submitting: Double = 0
        /// One at a time only: ``Timeline/summary(history:)``.
        var timeline: String? = nil
    }

    /// A burst of `deployments` over `environments`; `environment` is added to the services'
    /// (logs at warning unless it says otherwise); `beforeShutdown` sees the system once all finished.
    static func run(
        _ name: String, deployments: Int, environments: Int, workers: Int, concurrency: Int, target: String,
        environment: [String: String] = [:], beforeShutdown: ((HangarSystem) async throws -> Void)? = nil
    ) async throws -> Result {
        let system = try await HangarSystem(name, extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"].merging(environment) { $1 })
        try await system.startAll(
            workers: workers, workerEnvironment: ["HANGAR_WORKER_CONCURRENCY": String(concurrency)], notifier: true)
        for index in 0..<environments { try await system.createEnvironment("env-\(index)", target: target) }
        let history = SQLStore(
            configuration: .sqlite(path: system.dataDirectory.appendingPathComponent("recorder.sqlite").path, readOnly: true))
        let storeTask = Task { await history.run() }
        defer { storeTask.cancel() }

        let submitter = Submitter(system)
        var submitted: [String: ContinuousClock.Instant] = [:]
        let cpuBefore = CPUTimes.read(system)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: (String, ContinuousClock.Instant).self) { group in
            var inFlight = 0
            for index in 0..<deployments {
                if inFlight >= 16, let (id, at) = try await group.next() {
                    submitted[id] = at
                    inFlight -= 1
                }
                group.addTask {
                    let id = try await submitter.deploy("env-\(index % environments)")
                    return (id.uuidString, ContinuousClock.now)
                }
                inFlight += 1
            }
            for try await (id, at) in group { submitted[id] = at }
        }
        let submitting = milliseconds(ContinuousClock.now - start) / 1000
        let cpuSubmitting = CPUTimes.read(system) - cpuBefore
        FileHandle.standardError.write(Data(String(format: "%@: submitted %d deployments over HTTP in %.2f s\n", name, deployments, submitting).utf8))

        var latencies: [Double] = []
        var finished: Set<String> = []
        var lastSeen = start
        let deadline = ContinuousClock.now + .seconds(300)
        // The poll competes with the services for the same two cores, so it reads only the rows
        // that changed in the last 200 ms (a whole read every 250 ms catches any row whose write took longer
        // than the margin) and compares ids as text. Reading every finished row every 2 ms and
        // parsing each id was about a fifth of this process's CPU in a burst of 1,000.
        var lastWholeRead = ContinuousClock.now - .seconds(1)
        while finished.count < deployments {
            guard ContinuousClock.now < deadline else { throw E2EFailure("\(name): only \(finished.count) of \(deployments) finished") }
            let whole = ContinuousClock.now - lastWholeRead >= .milliseconds(250)
            if whole { lastWholeRead = ContinuousClock.now }
            let changedSince = whole ? Int64.min : Timeline.nowMilliseconds() - 200
            let rows = try await history.read { db in
                try await db.raw(
                    """
                    SELECT id, status FROM history_deployments
                    WHERE status IN ('succeeded', 'failed') AND updated_at >= \(bind: changedSince)
                    """
                ).all().map { (try $0.decode(column: "id", as: String.self), try $0.decode(column: "status", as: String.self)) }
            }
            let now = ContinuousClock.now
            for (id, status) in rows where !finished.contains(id) {
                guard status == "succeeded" else { throw E2EFailure("\(name): deployment \(id) failed") }
                finished.insert(id)
                lastSeen = now
                if let at = submitted[id] { latencies.append(milliseconds(now - at)) }
            }
            // Every 2 ms here: woken by the recorder's commits instead (as one at a time), 500
            // deployments waiting 10 s finished 0.1 s later in six alternating pairs.
            try await Task.sleep(for: .milliseconds(2))
        }
        let cpu = CPUTimes.read(system) - cpuBefore
        storeTask.cancel()
        await submitter.shutdown()
        try await beforeShutdown?(system)
        await system.shutdown()
        latencies.sort()
        let elapsed = milliseconds(lastSeen - start) / 1000
        return Result(
            count: deployments, elapsed: elapsed, throughput: Double(deployments) / elapsed,
            p50: latencies[latencies.count / 2], p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)], cpu: cpu,
            cpuSubmitting: cpuSubmitting, submitting: submitting)
    }

    /// Prints row 1: latency, CPU per deployment and where the time goes.
    static func printSequential(_ single: Result) {
        print(
            String(
                format: "| one deployment at a time, zero-time steps | p50 %.1f ms, p99 %.1f ms (%d deployments) |",
                single.p50, single.p99, single.count))
        print("| CPU per deployment one at a time | \(single.cpu.summary(per: single.count)) |")
        if let timeline = single.timeline { print(timeline) }
    }

    /// Submits deployments one at a time, each after the previous one is in the history.
    static func sequentialLatency(count: Int) async throws -> Result {
        let system = try await HangarSystem("latency", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("solo")
        let result = try await latency(system, environment: "solo", count: count)
        await system.shutdown()
        return result
    }

    /// Submit → succeeded in the history, one deployment at a time, on a running system.
    static func latency(_ system: HangarSystem, environment: String, count: Int) async throws -> Result {
        let history = SQLStore(
            configuration: .sqlite(path: system.dataDirectory.appendingPathComponent("recorder.sqlite").path, readOnly: true))
        let storeTask = Task { await history.run() }
        defer { storeTask.cancel() }
        let submitter = Submitter(system)
        let walWaiter = recorderCommits(system)
        var latencies: [Double] = []
        var timeline = Timeline()
        let cpuBefore = CPUTimes.read(system)
        let start = ContinuousClock.now
        for _ in 0..<count {
            let submitted = ContinuousClock.now
            let submittedAt = Timeline.nowMilliseconds()
            let id = try await submitter.deploy(environment)
            while true {
                let status = try await history.read { db in
                    try await db.raw("SELECT status FROM history_deployments WHERE id = \(bind: id.uuidString)").first()
                        .map { try $0.decode(column: "status", as: String.self) }
                }
                if status == "succeeded" { break }
                if status == "failed" { throw E2EFailure("latency: deployment \(id) failed") }
                if let walWaiter { walWaiter.wait(timeout: .milliseconds(5)) } else { try await Task.sleep(for: .microseconds(500)) }
            }
            latencies.append(milliseconds(ContinuousClock.now - submitted))
            timeline.marks[id] = (submittedAt, Timeline.nowMilliseconds())
        }
        let cpu = CPUTimes.read(system) - cpuBefore
        await submitter.shutdown()
        latencies.sort()
        let elapsed = milliseconds(ContinuousClock.now - start) / 1000
        return Result(
            count: count, elapsed: elapsed, throughput: Double(count) / elapsed, p50: latencies[count / 2],
            p99: latencies[min(count - 1, count * 99 / 100)], cpu: cpu, timeline: try await timeline.summary(history: history))
    }

    /// What wakes the one-at-a-time loop to read the history again: the recorder's commits (its
    /// write-ahead log written), or `nil` with `HANGAR_BENCH_POLL=sleep`, which reads every
    /// half millisecond instead, as before stop 43 (2.3–2.8 ms of the benchmark's CPU per
    /// deployment, a sixth of what the two cores did, against 1.0–1.2 ms).
    static func recorderCommits(_ system: HangarSystem) -> FileChangeWaiter? {
        guard ProcessInfo.processInfo.environment["HANGAR_BENCH_POLL"] != "sleep" else { return nil }
        return FileChangeWaiter(path: system.dataDirectory.appendingPathComponent("recorder.sqlite-wal").path)
    }

    /// Why the figures would not be a release build's: this benchmark or the services it
    /// starts built for debugging (SwiftPM's `debug` folder, the default when `HANGAR_BIN_DIR`
    /// is not set). `nil` when both are release builds.
    static func debugBuildRefusal(binDirectory: String) -> String? {
        let remedy = "run Benchmarks/pipeline.sh, or set HANGAR_BIN_DIR to `swift build -c release --show-bin-path` and run the pipeline-bench there"
        #if DEBUG
        return "this is a debug build, which times its own client slowly; \(remedy)"
        #else
        guard URL(fileURLWithPath: binDirectory).standardizedFileURL.lastPathComponent == "debug" else { return nil }
        return "the services in \(binDirectory) are a debug build; \(remedy)"
        #endif
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
