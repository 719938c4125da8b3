import HangarSettings
import Logging
import OTel
import ServiceLifecycle
import Tracing

extension ServiceEnvironment {
    /// Tracing is on when an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an exporter (`OTEL_TRACES_EXPORTER`, not
    /// `none`) is set, and `OTEL_SDK_DISABLED` is not `true`. Otherwise the tracer is
    /// swift-distributed-tracing's no-op one and spans cost next to nothing.
    public var tracingEnabled: Bool {
        if string(.otelDisabled)?.lowercased() == "true" { return false }
        if let exporter = string(.tracesExporter)?.lowercased() { return exporter != "none" }
        return string(.otlpEndpoint) != nil || string(.otlpTracesEndpoint) != nil
    }
}

/// Bootstraps swift-distributed-tracing with swift-otel's tracer when
/// ``ServiceEnvironment/tracingEnabled``: spans exported over OTLP/HTTP (protobuf) in
/// batches, W3C trace context, the resource's `service.name` `hangar-<service>` unless
/// `OTEL_SERVICE_NAME` says otherwise; every other `OTEL_*` setting swift-otel reads applies
/// (`OTEL_BSP_*`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`…). Tracing only: logs and
/// metrics stay with swift-log and swift-prometheus. Call once, from a service's `main`.
///
/// Sampling: see ``defaultTraceSampling(_:)``.
///
/// - Returns: the exporter's service, to run in the service group (placed so that it stops
///   after the services that make spans: its shutdown flushes them); `nil` when tracing is off.
public func bootstrapTracing(_ environment: ServiceEnvironment) throws -> (any Service)? {
    guard environment.tracingEnabled else { return nil }
    var configuration = OTel.Configuration.default
    configuration.serviceName = "hangar-\(environment.service)"
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.enabled = true
    configuration.diagnosticLogger = .custom(Logger(label: "hangar.\(environment.service).tracing"))
    configuration.diagnosticLogLevel = .warning
    // A burst makes thousands of spans a second per service: export every second, in large
    // batches, with room for a few seconds of them (OTEL_BSP_* override these).
    configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
    configuration.traces.batchSpanProcessor.maxExportBatchSize = 4096
    configuration.traces.batchSpanProcessor.maxQueueSize = 16384
    switch defaultTraceSampling(environment) {
    case .rootRatio(let ratio)?: configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: ratio) ?? .parentBasedAlwaysOn
    case .followSampledParents?: configuration.traces.sampler = .parentBasedAlwaysOff
    case nil: break
    }
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    InstrumentationSystem.bootstrap(backend.factory)
    return backend.service
}

/// How a service samples when `OTEL_TRACES_SAMPLER` is not set: intake, where a deployment's
/// trace begins (its HTTP request), traces 1 deployment in 10 (or `OTEL_TRACES_SAMPLER_ARG`,
/// 0…1); every other service traces only what arrives with a sampled `traceparent` and starts
/// no trace of its own. So a deployment is traced whole or not at all, and one not sampled
/// costs next to nothing past intake: ``TraceHeaders`` does not pass an unsampled context on.
/// Tracing every deployment costs about 12 % of a burst's throughput
/// (`pipeline-bench --only-observability`); set `OTEL_TRACES_SAMPLER=parentbased_always_on`
/// on every service for that. `nil` when `OTEL_TRACES_SAMPLER` is set: swift-otel reads it.
public func defaultTraceSampling(_ environment: ServiceEnvironment) -> DefaultTraceSampling? {
    guard environment.string(.tracesSampler) == nil else { return nil }
    guard environment.service == "intake" else { return .followSampledParents }
    guard let text = environment.string(.tracesSamplerArgument), let ratio = Double(text), (0...1).contains(ratio) else {
        return .rootRatio(0.1)
    }
    return .rootRatio(ratio)
}

/// See ``defaultTraceSampling(_:)``.
public enum DefaultTraceSampling: Sendable, Equatable {
    /// Start a trace for this share of the requests without a sampled parent.
    case rootRatio(Double)
    /// Only continue traces whose parent was sampled.
    case followSampledParents
}

/// The tracing service's place in a service group (put it before the services that make
/// spans, so it stops after them): it ends only at shutdown, and an exporter that fails is
/// no reason to stop the service.
public func tracingServices(_ tracing: (any Service)?) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    tracing.map { [.init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "tracing")] } ?? []
}
