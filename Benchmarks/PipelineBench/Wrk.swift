import Foundation
import HangarHarness

/// The same read load from `wrk` (Debian's package), when it is installed: 2 threads,
/// `connections` connections, for `duration`. Its figures say what intake serves when the
/// load generator costs little, beside the benchmark's own client.
enum Wrk {
    /// The figures as one table cell (requests per second, p50, p99, intake's CPU per
    /// request), or `nil` when `wrk` is not on the `PATH` or did not run.
    static func run(system: HangarSystem, url: String, headers: [String: String], connections: Int, duration: Duration) -> String? {
        guard let executable = locate() else { return nil }
        let process = Process()
        process.executableURL = executable
        var arguments = ["-t2", "-c\(connections)", "-d\(max(1, duration.components.seconds))s", "--latency"]
        arguments += ["-H", "Authorization: Bearer \(HangarSystem.viewerToken)"]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let cpuBefore = CPUTimes.read(system).seconds["intake"] ?? 0
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let cpu = (CPUTimes.read(system).seconds["intake"] ?? 0) - cpuBefore
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0, let row = summary(of: text, intakeCPU: cpu)
        else {
            FileHandle.standardError.write(Data("pipeline-bench: wrk's report for \(url) was not read:\n\(text)\n".utf8))
            return nil
        }
        return row
    }

    /// Reads `Requests/sec`, the request count and the 50 % and 99 % latencies from wrk's
    /// `--latency` report; `nil` when one is missing or a request failed (wrk counts an
    /// answer of 400 or more as `Non-2xx or 3xx`).
    static func summary(of report: String, intakeCPU: Double) -> String? {
        let lines = report.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func value(after prefix: String) -> String? {
            lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        guard !lines.contains(where: { $0.hasPrefix("Non-2xx") }), let rate = value(after: "Requests/sec:").flatMap(Double.init),
            let p50 = value(after: "50%").flatMap(milliseconds), let p99 = value(after: "99%").flatMap(milliseconds),
            let count = lines.first(where: { $0.contains("requests in") })?.split(separator: " ").first.flatMap({ Double($0) })
        else { return nil }
        return String(
            format: "%.0f requests/s, p50 %.1f ms, p99 %.1f ms, intake CPU %.2f ms per request", rate, p50, p99,
            intakeCPU * 1000 / max(1, count))
    }

    /// wrk's latency (`812.00us`, `1.25ms`, `2.10s`) in milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }

    private static func locate() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("wrk") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
