import HangarContracts
import Tracing

/// The span of one message a consumer handles (`process <type>`, kind consumer): a child of
/// the trace its headers carried, with the queue, the message id, the deployment and the
/// step as attributes (never the message's body).
enum ConsumerSpan {
    static func start(for incoming: IncomingMessage, queue: String) -> any Span {
        let span = startSpan("process \(incoming.message.type)", context: incoming.serviceContext, ofKind: .consumer)
        guard span.isRecording else { return span }
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "rabbitmq"
            attributes["messaging.operation.type"] = "process"
            attributes["messaging.destination.name"] = queue
            attributes["messaging.message.id"] = incoming.messageId
            if let deployment = incoming.message.deploymentId { attributes["hangar.deployment.id"] = deployment.uuidString.lowercased() }
            if incoming.redelivered { attributes["messaging.rabbitmq.redelivered"] = true }
            switch incoming.message {
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
