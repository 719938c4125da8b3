import AMQPClient
import Tracing

/// W3C trace context (`traceparent`, `tracestate`) in a message's AMQP headers: publishing
/// injects the current `ServiceContext`, consuming extracts it, so the spans of every
/// service that handles a deployment join one trace. With no tracer bootstrapped
/// (swift-distributed-tracing's no-op instrument) nothing is written or read.
public enum TraceHeaders {
    /// The header a stored trace parent is written to.
    public static let traceParent = "traceparent"

    /// Writes `context`'s trace into `headers`.
    public static func inject(_ context: ServiceContext, into headers: inout [String: FieldValue]) {
        InstrumentationSystem.instrument.inject(context, into: &headers, using: AMQPHeadersInjector())
    }

    /// The trace a message's headers carry, on top of `base`.
    public static func extract(_ headers: [String: FieldValue], into base: ServiceContext = .topLevel) -> ServiceContext {
        var context = base
        InstrumentationSystem.instrument.extract(headers, into: &context, using: AMQPHeadersExtractor())
        return context
    }

    /// `context`'s W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), to store and put on
    /// a message published later; `nil` when tracing is off or `context` holds no span.
    public static func traceParent(of context: ServiceContext) -> String? {
        var headers: [String: FieldValue] = [:]
        inject(context, into: &headers)
        return headers[traceParent]?.stringValue
    }
}

struct AMQPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: FieldValue]) {
        carrier[key] = .string(value)
    }
}

struct AMQPHeadersExtractor: Extractor {
    func extract(key: String, from carrier: [String: FieldValue]) -> String? {
        carrier[key]?.stringValue
    }
}
