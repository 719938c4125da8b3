import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Traces across the services: every service exports to a real OTLP/HTTP receiver on loopback
/// (deploy/otlp/receiver.py, opentelemetry-proto), and each deployment is one trace from its
/// HTTP request through the scheduler, the worker's steps and provider calls, the recorder
/// and the notifier.
@Suite("Tracing end to end", .serialized, .timeLimit(.minutes(4)))
struct TracingEndToEndTests {
    /// Every deployment traced: every service told to, or the default samplers with intake
    /// deciding for all of them (`OTEL_TRACES_SAMPLER_ARG` 1, the others following its
    /// `traceparent`).
    static let samplings: [[String: String]] = [["OTEL_TRACES_SAMPLER": "parentbased_always_on"], ["OTEL_TRACES_SAMPLER_ARG": "1"]]

    @Test("one trace per deployment: the HTTP request, all six steps, at least three services, consistent parents", arguments: samplings)
    func oneTracePerDeployment(sampling: [String: String]) async throws {
        let receiver = OTLPReceiver()
        try await receiver.start()
        defer { receiver.stop() }
        let system = try await HangarSystem(
            "tracing",
            extraEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"].merging(sampling) { $1 })
        defer { Task { await system.shutdown() } }
        for service: HangarSystem.Service in [.scheduler, .recorder, .notifier, .worker, .intake] {
            try system.start(service, environment: ["OTEL_SERVICE_NAME": "hangar-\(service.rawValue)"])
        }
        try await system.waitUntilReady()
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 5}"#)
        try await system.createEnvironment("api", target: #"{"stepDurationMs": 5}"#)
        let body = #"{"version":"1.0.0","options":{"stopPreparationServer":true},"notify":{"emails":["ops@example.com"]}}"#
        // Two on one environment: the second starts from the transaction that ends the first,
        // so its messages must take its own stored trace, not the one being handled.
        var submitted: [UUID] = []
        for environment in ["web", "web", "api"] { submitted.append(try await system.deploy(environment, body: body)) }
        let ids = submitted
        for id in ids { _ = try await system.wait(for: id, status: .succeeded) }

        // The last spans of each deployment: the recorder and the notifier handled its success.
        try await eventually("the recorder's and the notifier's spans of every deployment", timeout: .seconds(30), every: .milliseconds(200)) {
            let spans = receiver.spans()
            return ids.allSatisfy { id in
                let key = id.uuidString.lowercased()
                let done = spans.filter { $0.name == "process deployment.succeeded" && $0.string("hangar.deployment.id") == key }
                return Set(done.map(\.service)).isSuperset(of: ["hangar-recorder", "hangar-notifier"])
            }
        }
        try await Task.sleep(for: .seconds(1))  // whatever was still in a batch
        let spans = receiver.spans()
        let byTrace = Dictionary(grouping: spans, by: \.trace_id)

        var traces: Set<String> = []
        for id in ids {
            let key = id.uuidString.lowercased()
            let traceIds = Set(spans.filter { $0.string("hangar.deployment.id") == key }.map(\.trace_id))
            #expect(traceIds.count == 1, "deployment \(key) is in \(traceIds.count) traces")
            guard let traceId = traceIds.first, let trace = byTrace[traceId] else { continue }
            traces.insert(traceId)
            // Nothing of another deployment in it.
            let others = Set(trace.compactMap { $0.string("hangar.deployment.id") }).subtracting([key])
            #expect(others.isEmpty, "trace of \(key) holds spans of \(others)")

            // The root: intake's span for the HTTP request that submitted it.
            let roots = trace.filter { $0.parent_span_id.isEmpty }
            #expect(roots.count == 1, "\(roots.count) roots: \(roots.map { "\($0.service) \($0.name)" })")
            let root = try #require(roots.first)
            #expect(root.service == "hangar-intake" && root.kind == 2, "root: \(root.service) \(root.name) kind \(root.kind)")
            #expect(root.string("http.request.method") == "POST" && root.name.contains("deployments"), "root: \(root.name)")

            // Every parent is in the trace, and starts no later than its child.
            let byId = Dictionary(trace.map { ($0.span_id, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byId.count == trace.count, "span ids repeat in \(key)'s trace")
            for span in trace where !span.parent_span_id.isEmpty {
                let parent = byId[span.parent_span_id]
                #expect(parent != nil, "\(span.service) \(span.name) has a parent outside the trace")
                if let parent { #expect(parent.start_ns <= span.start_ns, "\(parent.name) starts after its child \(span.name)") }
            }

            // The intake's submission handled by the scheduler, a child of the HTTP request.
            let submit = trace.filter { $0.name == "process deployment.submit" }
            #expect(submit.count == 1 && submit.first?.service == "hangar-scheduler" && submit.first?.kind == 5)
            #expect(submit.first?.parent_span_id == root.span_id)

            // All six steps, each run in the worker under the span of the command it handled,
            // each with its provider call.
            let steps = trace.filter { $0.name.hasPrefix("step ") }
            #expect(Set(steps.compactMap { $0.string("hangar.step") }) == Set(StepName.allCases.map(\.rawValue)), "steps: \(steps.map(\.name))")
            for step in steps {
                #expect(step.service == "hangar-worker")
                let command = byId[step.parent_span_id]
                #expect(command?.name == "process step.execute" && command?.kind == 5, "\(step.name)'s parent: \(command?.name ?? "-")")
                #expect(
                    command.map { byId[$0.parent_span_id]?.name } == "process deployment.submit",
                    "a step command is not in the deployment's stored trace")
                let calls = trace.filter { $0.name == "provider execute" && $0.parent_span_id == step.span_id }
                #expect(
                    calls.count == 1 && calls.first?.kind == 3 && calls.first?.string("hangar.provider") == "simulated",
                    "\(step.name): provider calls \(calls.count)")
            }

            // The scheduler handled each step's outcome in the worker's trace.
            let outcomes = trace.filter {
                $0.service == "hangar-scheduler" && ($0.name == "process step.succeeded" || $0.name == "process step.skipped")
            }
            #expect(outcomes.count >= 6 && outcomes.allSatisfy { byId[$0.parent_span_id]?.name.hasPrefix("step ") == true })

            let services = Set(trace.map(\.service))
            #expect(services.count >= 3, "services: \(services)")
            #expect(services == ["hangar-intake", "hangar-scheduler", "hangar-worker", "hangar-recorder", "hangar-notifier"], "\(services)")
        }
        #expect(traces.count == ids.count, "the deployments share traces")

        // No secret in a span: the API tokens are in headers, never recorded.
        for span in spans {
            for (name, value) in span.attributes {
                if case .string(let text) = value {
                    #expect(!text.contains(HangarSystem.deployerToken) && !text.contains(HangarSystem.adminToken), "\(span.name) \(name)")
                }
            }
        }
    }

    @Test("a deployment intake does not sample leaves no span anywhere; one sent with a sampled traceparent is traced whole")
    func unsampledLeavesNothing() async throws {
        let receiver = OTLPReceiver()
        try await receiver.start()
        defer { receiver.stop() }
        // The default samplers, intake sampling none of its own.
        let system = try await HangarSystem(
            "tracing-unsampled",
            extraEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_TRACES_SAMPLER_ARG": "0"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("quiet")
        let body = #"{"notify":{"emails":["ops@example.com"]}}"#
        for _ in 0..<2 { _ = try await system.wait(for: try await system.deploy("quiet", body: body), status: .succeeded) }

        // A caller's sampled trace: intake follows it, and so does every service after it.
        let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
        let (data, status) = try await system.request(
            "POST", "/v1/environments/quiet/deployments", token: HangarSystem.deployerToken, body: body,
            headers: ["traceparent": "00-\(traceId)-00f067aa0ba902b7-01"])
        #expect(status == 202)
        let traced = try HangarJSON.decoder.decode(DeploymentDetails.self, from: data).id
        _ = try await system.wait(for: traced, status: .succeeded)
        try await eventually("the traced deployment's last spans", timeout: .seconds(30), every: .milliseconds(200)) {
            let done = receiver.spans().filter { $0.name == "process deployment.succeeded" && $0.trace_id == traceId }
            return Set(done.map(\.service)).isSuperset(of: ["hangar-recorder", "hangar-notifier"])
        }
        try await Task.sleep(for: .seconds(1))  // whatever was still in a batch
        let spans = receiver.spans()
        #expect(
            spans.allSatisfy { $0.trace_id == traceId },
            "spans outside the sampled trace: \(Set(spans.filter { $0.trace_id != traceId }.map { "\($0.service) \($0.name)" }))")
        #expect(Set(spans.map(\.service)) == ["hangar-intake", "hangar-scheduler", "hangar-worker", "hangar-recorder", "hangar-notifier"])
    }
}
