import Foundation
import HangarHarness

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What observability costs: the same burst (1 worker, zero-time steps) with logs at warning
/// (the other benchmarks' setting), with traces exported over OTLP/HTTP to a real receiver on
/// loopback (deploy/otlp/receiver.py, counting what it decodes), every deployment or the
/// default 10 % of them sampled, at info as text and at info as JSON lines, then at warning and with traces
/// again (the spread between equal runs is the noise); then the size of each service's `/metrics` answer after that burst.
enum ObservabilityCost {
    static func run(quick: Bool) async throws {
        let deployments = quick ? 200 : 1000
        // The default samples 1 deployment in 10 (the root, intake's HTTP span, decides; every
        // other service follows its parent); `every` traces them all.
        let every = ["OTEL_TRACES_SAMPLER": "parentbased_always_on"]
        let settings: [(label: String, environment: [String: String], traced: Bool)] = [
            ("logs at warning", [:], false),
            ("traces on (OTLP/HTTP to a receiver), every deployment, logs at warning", every, true),
            ("traces on, the default: 10 % of deployments sampled", [:], true),
            ("logs at info, text", ["HANGAR_LOG_LEVEL": "info", "HANGAR_LOG_FORMAT": "text"], false),
            ("logs at info, JSON", ["HANGAR_LOG_LEVEL": "info", "HANGAR_LOG_FORMAT": "json"], false),
            ("logs at warning, again", [:], false),
            ("traces on, every deployment, again", every, true),
            ("traces on, the default (10 %), again", [:], true),
        ]
        var baseline: Double?
        var sizes: [(String, Int, Int)] = []
        for (label, environment, traced) in settings {
            var environment = environment
            var receiver: OTLPReceiver?
            if traced {
                let started = OTLPReceiver(countsOnly: true)
                try await started.start()
                environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = started.endpoint
                receiver = started
            }
            defer { receiver?.stop() }
            let receiverCPU = receiver?.processIdentifier.flatMap(CPUTimes.cpuSeconds(pid:)) ?? 0
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
            print(
                String(
                    format: "| a burst of %d, 1 worker, %@ | %.0f deployments/s (%+.1f %%), p50 latency %.0f ms |", result.count, label,
                    result.throughput, (result.throughput / baseline! - 1) * 100, result.p50))
            print("| CPU per deployment in that burst | \(result.cpu.summary(per: result.count)) |")
            if let receiver {
                // The services flushed what they held when they stopped.
                let (spans, exports) = receiver.counts()
                let cpu = (receiver.processIdentifier.flatMap(CPUTimes.cpuSeconds(pid:)) ?? 0) - receiverCPU
                print(
                    String(
                        format: "| spans received | %.1f per deployment (%d in %d exports); the receiver's CPU %.2f ms per deployment |",
                        Double(spans) / Double(result.count), spans, exports, cpu * 1000 / Double(result.count)))
            }
        }
        for (key, bytes, series) in sizes {
            print(String(format: "| /metrics of %@ after %d deployments | %.1f KB, %d series |", key, deployments, Double(bytes) / 1024, series))
        }
    }
}
