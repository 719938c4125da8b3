import AMQPClient
import Tracing

/// W3C trace context (`traceparent`, `tracestate`) in a message's AMQP headers: publishing
/// injects the current `ServiceContext`, consuming extracts it, so the spans of every
/// service that handles a deployment join one trace. With no tracer bootstrapped
/// (swift-distributed-tracing's no-op instrument) nothing is written or read.
public enum TraceHeaders {
    /// The header a stored trace parent is written to.
    public static let traceParent = "traceparent"

    /// Writes `context`'s trace into `headers` when its span was sampled. An unsampled one
    /// is not passed on: the services after intake start no trace of their own by default
    /// (see `defaultTraceSampling`), so nothing downstream records, stores or carries it.
    public static func inject(_ context: ServiceContext, into headers: inout [String: FieldValue]) {
        var written: [String: FieldValue] = [:]
        InstrumentationSystem.instrument.inject(context, into: &written, using: AMQPHeadersInjector())
        guard let parent = written[traceParent]?.stringValue, isSampled(parent) else { return }
        headers.merge(written) { $1 }
    }

    /// Whether a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`) has the sampled flag.
    public static func isSampled(_ traceParent: String) -> Bool {
        guard let flags = traceParent.split(separator: "-").last, flags.count == 2, let value = UInt8(flags, radix: 16) else { return false }
        return value & 0x01 == 1
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
