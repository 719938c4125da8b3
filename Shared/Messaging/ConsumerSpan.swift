import HangarContracts
import Tracing

/// The span of one message a consumer handles (`process <type>`, kind consumer): a child of
/// the trace its headers carried, with the queue, the message id, the deployment and the
/// step as attributes (never the message's body).
enum ConsumerSpan {
    static func start(for incoming: IncomingMessage, queue: String) -> any Span {
        start(incoming.message, messageId: incoming.messageId, context: incoming.serviceContext, redelivered: incoming.redelivered, queue: queue)
    }

    /// The span of one event of an ``EventBatch``, in the trace the event had.
    static func start(for item: EventBatch.Item, queue: String) -> any Span {
        let context = item.traceParent.map { TraceHeaders.extract([TraceHeaders.traceParent: .string($0)]) } ?? .topLevel
        return start(item.message, messageId: item.messageId, context: context, redelivered: false, queue: queue)
    }

    private static func start(_ message: HangarMessage, messageId: String, context: ServiceContext, redelivered: Bool, queue: String) -> any Span {
        let span = startSpan("process \(message.type)", context: context, ofKind: .consumer)
        guard span.isRecording else { return span }
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "rabbitmq"
            attributes["messaging.operation.type"] = "process"
            attributes["messaging.destination.name"] = queue
            attributes["messaging.message.id"] = messageId
            if let deployment = message.deploymentId { attributes["hangar.deployment.id"] = deployment.lowercasedString }
            if redelivered { attributes["messaging.rabbitmq.redelivered"] = true }
            switch message {
            case .executeStep(let command):
                attributes["hangar.step"] = command.step.rawValue
                attributes["hangar.step.attempt"] = command.attempt
            case .stepEvent(let event):
                attributes["hangar.step"] = event.step.rawValue
                attributes["hangar.step.attempt"] = event.attempt
            case .stepHeartbeat(let beat):
                attributes["hangar.step"] = beat.step.rawValue
            default:
                break
            }
        }
        return span
    }

    /// Marks the span as failed by `error`.
    static func failed(_ span: any Span, _ error: any Error) {
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
    }
}

extension IncomingMessage {
    /// The message as handled inside `span`: what it publishes joins `span`'s trace.
    func handled(in span: any Span) -> IncomingMessage {
        var copy = self
        copy.serviceContext = span.context
        return copy
    }
}
