import Foundation
import HangarHarness

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What observability costs: the same burst (1 worker, zero-time steps) with logs at warning
/// (the other benchmarks' setting), at info as text and at info as JSON lines; then the size of
/// each service's `/metrics` answer after that burst.
enum ObservabilityCost {
    static func run(quick: Bool) async throws {
        let deployments = quick ? 200 : 1000
        let settings: [(String, [String: String])] = [
            ("logs at warning", [:]),
            ("logs at info, text", ["HANGAR_LOG_LEVEL": "info", "HANGAR_LOG_FORMAT": "text"]),
            ("logs at info, JSON", ["HANGAR_LOG_LEVEL": "info", "HANGAR_LOG_FORMAT": "json"]),
        ]
        var baseline: Double?
        var sizes: [(String, Int, Int)] = []
        for (label, environment) in settings {
            let result = try await PipelineBench.run(
                "observability", deployments: deployments, environments: 100, workers: 1, concurrency: 8, target: "{}",
                environment: environment
            ) { system in
                guard sizes.isEmpty else { return }
                for key in ["intake", "scheduler", "worker-1", "recorder", "notifier"] {
                    guard let url = system.metricsURL(key).flatMap(URL.init(string:)) else { continue }
                    let (data, _) = try await URLSession.shared.data(from: url)
                    let text = String(decoding: data, as: UTF8.self)
                    sizes.append((key, data.count, text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count))
                    if let folder = ProcessInfo.processInfo.environment["HANGAR_BENCH_SCRAPE_DIR"] {
                        try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(key).prom"))
                    }
                }
            }
            baseline = baseline ?? result.throughput
            print(String(format: "| a burst of %d, 1 worker, %@ | %.0f deployments/s (%+.1f %%) |", result.count, label, result.throughput,
                (result.throughput / baseline! - 1) * 100))
            print("| CPU per deployment in that burst | \(result.cpu.summary(per: result.count)) |")
        }
        for (key, bytes, series) in sizes {
            print(String(format: "| /metrics of %@ after %d deployments | %.1f KB, %d series |", key, deployments, Double(bytes) / 1024, series))
        }
    }
}
