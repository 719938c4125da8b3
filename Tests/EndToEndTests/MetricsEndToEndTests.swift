import Foundation
import HangarHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Prometheus metrics of the services, scraped after a deployment.
@Suite("Metrics end to end", .serialized, .timeLimit(.minutes(2)))
struct MetricsEndToEndTests {
    @Test("each service serves /metrics in Prometheus text format with what it counted")
    func scrape() async throws {
        let system = try await HangarSystem("metrics")
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 5}"#)
        let id = try await system.deploy("web")
        _ = try await system.wait(for: id, status: .succeeded)

        @Sendable func scrape(_ key: String) async throws -> String {
            let url = try #require(system.metricsURL(key).flatMap(URL.init(string:)))
            let (data, response) = try await URLSession.shared.data(from: url)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            return String(decoding: data, as: UTF8.self)
        }
        let worker = try await scrape("worker-1")
        #expect(worker.contains(#"hangar_steps_total{step="create_image",outcome="succeeded"} 1"#), "\(worker)")
        #expect(worker.contains("hangar_step_duration_seconds_bucket"))
        #expect(worker.contains(#"hangar_messages_published_total{type="step.succeeded"}"#))
        // Two more on an environment with slow steps: the second waits for the first.
        // 1 s steps: the second waits 6 s, several of the gauge's 1 s samples even on a busy machine.
        try await system.createEnvironment("slow", target: #"{"stepDurationMs": 1000}"#)
        let first = try await system.deploy("slow")
        let second = try await system.deploy("slow")
        // Sampled every second: one deployment of "slow" waits for the other.
        try await eventually("the queued gauge counts the waiting deployment") {
            try await scrape("scheduler").contains(#"hangar_deployments_queued{environment="slow"} 1"#)
        }
        _ = try await system.wait(for: first, status: .succeeded)
        _ = try await system.wait(for: second, status: .succeeded)
        let scheduler = try await scrape("scheduler")
        #expect(scheduler.contains(#"hangar_deployments_total{status="succeeded",environment="web"} 1"#), "\(scheduler)")
        #expect(scheduler.contains(#"hangar_deployments_total{status="succeeded",environment="slow"} 2"#))
        #expect(scheduler.contains(#"hangar_deployments_total{status="running",environment="web"} 1"#))
        // Created at 0 when the environment's first deployment starts (rate() then sees the first failure).
        #expect(scheduler.contains(#"hangar_deployments_total{status="failed",environment="web"} 0"#))
        #expect(scheduler.contains(#"hangar_deployment_duration_seconds_count{status="succeeded"} 3"#))
        // Nothing running, nothing queued, nothing left to publish, no timer late. The recorder can
        // see the last event before the scheduler has its confirm, so the published counts are read
        // once the backlog is empty, not from the scrape above.
        try await eventually("the scheduler's gauges") {
            let text = try await scrape("scheduler")
            return text.contains("hangar_deployments_in_flight 0") && text.contains("hangar_outbox_backlog 0")
                && text.contains("hangar_timer_lag_seconds 0") && text.contains(#"hangar_deployments_queued{environment="slow"} 0"#)
        }
        let settled = try await scrape("scheduler")
        // The deployments' ends go out inside urgent event batches, not as messages of their own.
        #expect(
            settled.contains(#"hangar_messages_published_total{type="events.batch.urgent"}"#)
                && !settled.contains(#"hangar_messages_published_total{type="deployment.succeeded"}"#), "\(settled)")
        let intake = try await scrape("intake")
        #expect(intake.contains("hb_requests") && intake.contains(#"hangar_messages_published_total{type="deployment.submit"} 3"#), "\(intake)")
        let recorder = try await scrape("recorder")
        #expect(recorder.contains(#"hangar_messages_consumed_total{queue="hangar.recorder""#), "\(recorder)")
        try await eventually("the notifier's backlog gauge") {
            let text = try await scrape("notifier")
            return text.contains(#"hangar_notifications_pending{channel="email"} 0"#)
                && text.contains(#"hangar_notifications_pending{channel="webhook"} 0"#)
        }

        // Every metric of every service says what it is.
        for key in ["intake", "scheduler", "recorder", "notifier", "worker-1"] {
            let lines = try await scrape(key).split(separator: "\n")
            for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
                let name = line.split(separator: " ")[2]
                #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "\(key): \(name) has no HELP line")
            }
        }
    }
}
