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
        try await system.startAll()
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
        let scheduler = try await scrape("scheduler")
        #expect(scheduler.contains(#"hangar_messages_published_total{type="deployment.succeeded"} 1"#), "\(scheduler)")
        #expect(scheduler.contains(#"hangar_deployments_total{status="succeeded"} 1"#), "\(scheduler)")
        #expect(scheduler.contains(#"hangar_deployments_total{status="running"} 1"#))
        #expect(scheduler.contains(#"hangar_deployment_duration_seconds_count{status="succeeded"} 1"#))
        // Sampled every second: nothing running, nothing left to publish, no timer late.
        try await eventually("the scheduler's gauges") {
            let text = try await scrape("scheduler")
            return text.contains("hangar_deployments_in_flight 0") && text.contains("hangar_outbox_backlog 0")
                && text.contains("hangar_timer_lag_seconds 0")
        }
        let intake = try await scrape("intake")
        #expect(intake.contains("hb_requests") && intake.contains(#"hangar_messages_published_total{type="deployment.submit"} 1"#), "\(intake)")
        let recorder = try await scrape("recorder")
        #expect(recorder.contains(#"hangar_messages_consumed_total{queue="hangar.recorder""#), "\(recorder)")
    }
}
