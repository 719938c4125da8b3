import Foundation
import HangarHarness

/// Each service's resident memory at rest: after 20 deployments, 10 s of quiet, read from
/// `/proc/<pid>/status` (VmRSS, and how much of it is the process's own heap and stacks,
/// RssAnon, against mapped files such as the shared libraries, RssFile) and its proportional
/// share (Pss, from `/proc/<pid>/smaps_rollup`: a page shared by the five services counts a
/// fifth in each).
enum IdleMemory {
    static func run() async throws {
        let system = try await HangarSystem("idle", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("idle")
        for _ in 0..<20 {
            let id = try await system.deploy("idle")
            _ = try await system.wait(for: id, status: .succeeded)
        }
        try await Task.sleep(for: .seconds(10))
        var rows: [String] = []
        for key in system.running.sorted() {
            guard let pid = system.processID(key), let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { continue }
            func field(_ name: String) -> Double {
                let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
                return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
            }
            let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
            let pssLine = rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") } ?? ""
            let pss = (Double(pssLine.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
            rows.append(
                String(
                    format: "%@ %.1f MB (anon %.1f, files %.1f; PSS %.1f)",
                    key, field("VmRSS"), field("RssAnon"), field("RssFile"), pss))
        }
        await system.shutdown()
        print("| idle resident memory per service | \(rows.joined(separator: "; ")) |")
    }
}
