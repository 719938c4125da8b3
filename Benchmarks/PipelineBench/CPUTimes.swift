import Foundation
import HangarHarness

/// CPU time (user + system) of each service process of a ``HangarSystem`` and of the broker,
/// read from `/proc/<pid>/stat`.
struct CPUTimes {
    /// Seconds of CPU by process: the service keys (`scheduler`, `worker-1`, …), `broker`, and
    /// ``client`` (this benchmark's own process, which shares the cores but is not counted).
    var seconds: [String: Double] = [:]

    /// The key of this benchmark's own process: its HTTP client and its polls of the history.
    static let client = "benchmark client"

    static func read(_ system: HangarSystem) -> CPUTimes {
        var times = CPUTimes()
        for key in system.running {
            if let pid = system.processID(key), let cpu = cpuSeconds(pid: pid) { times.seconds[key] = cpu }
        }
        if let broker = brokerProcessID(), let cpu = cpuSeconds(pid: broker) { times.seconds["broker"] = cpu }
        if let cpu = cpuSeconds(pid: getpid()) { times.seconds[client] = cpu }
        return times
    }

    static func - (after: CPUTimes, before: CPUTimes) -> CPUTimes {
        CPUTimes(
            seconds: after.seconds.reduce(into: [:]) { result, entry in
                result[entry.key] = entry.value - (before.seconds[entry.key] ?? 0)
            })
    }

    /// `services 4.1 ms (scheduler 1.2, recorder 0.9, …) + broker 2.0 ms = 6.1 ms` per deployment.
    func summary(per count: Int) -> String {
        func ms(_ value: Double) -> String { String(format: "%.2f", value * 1000 / Double(max(1, count))) }
        let services = seconds.filter { $0.key != "broker" && $0.key != Self.client }
        let byService = services.sorted { $0.value > $1.value }.map { "\($0.key) \(ms($0.value))" }.joined(separator: ", ")
        let serviceTotal = services.values.reduce(0, +)
        let broker = seconds["broker"]
        let total = serviceTotal + (broker ?? 0)
        return "services \(ms(serviceTotal)) ms (\(byService))"
            + (broker.map { " + broker \(ms($0)) ms = \(ms(total)) ms" } ?? " (broker not found)")
            + (seconds[Self.client].map { "; not counted, the benchmark's client \(ms($0)) ms" } ?? "")
    }

    /// utime + stime of a process, in seconds.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `HANGAR_BENCH_BROKER_PID`, or the `beam.smp` process running RabbitMQ: of those whose
    /// command line names rabbit, the one started first. A run once printed a negative broker
    /// CPU time, which only a different process read after than before explains; a
    /// short-lived `beam.smp` (any `rabbitmqctl` call on the machine runs one) would be that.
    static func brokerProcessID() -> Int32? {
        if let text = ProcessInfo.processInfo.environment["HANGAR_BENCH_BROKER_PID"], let pid = Int32(text) { return pid }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var oldest: (pid: Int32, start: Double)?
        for entry in entries {
            guard let pid = Int32(entry),
                let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let text = String(decoding: command, as: UTF8.self)
            guard text.contains("beam.smp"), text.contains("rabbit"), let start = startTime(pid: pid) else { continue }
            if oldest.map({ start < $0.start }) ?? true { oldest = (pid, start) }
        }
        return oldest?.pid
    }

    /// When a process started, in clock ticks after boot (field 22 of `/proc/<pid>/stat`).
    static func startTime(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? Double(fields[19]) : nil
    }
}
