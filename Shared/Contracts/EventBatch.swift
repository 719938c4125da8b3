import Foundation

/// `events.batch` (scheduler → recorder): the events of one scheduler transaction, in the order
/// the transaction met them: the step events it consumed (as the workers wrote them) and the
/// events it published.
///
/// The recorder takes the history from these instead of from every event on its own: one
/// delivery per scheduler transaction instead of one per event, which in a burst is a few per
/// deployment instead of eight. Each event keeps its own message id, by which the recorder
/// deduplicates it as before. A batch holding an event that must not wait (a deployment's end,
/// say: ``canWait(type:)``) has the type `events.batch.urgent`, so that the recorder, which
/// sees only the type before decoding, writes it at once.
public struct EventBatch: Sendable, Equatable {
    /// One event of the batch.
    public struct Item: Sendable, Equatable {
        /// The event's own message id.
        public var messageId: String
        /// The event: `step.*`, `deployment.*` or `server.shutdown.*`.
        public var message: HangarMessage
        /// The W3C trace parent the event had (its deployment's trace), so that the recorder
        /// handles it in that trace; `nil`: none.
        public var traceParent: String?
        /// The event as it was published or received (`ContractCodec.encode(message)` when
        /// `nil`). A batch read by ``ContractCodec`` keeps each event's bytes, except when it
        /// falls back to `JSONDecoder`.
        public var body: [UInt8]?

        /// An item for `message` under `messageId` in the trace `traceParent`, with its body
        /// when the caller has it.
        public init(messageId: String, message: HangarMessage, traceParent: String? = nil, body: [UInt8]? = nil) {
            self.messageId = messageId
            self.message = message
            self.traceParent = traceParent
            self.body = body
        }

        /// Equal when the id, the event and the trace are: the body is one encoding of the event.
        public static func == (lhs: Item, rhs: Item) -> Bool {
            lhs.messageId == rhs.messageId && lhs.message == rhs.message && lhs.traceParent == rhs.traceParent
        }
    }

    /// The AMQP type and routing key of a batch whose events can all wait.
    public static let messageType = "events.batch"
    /// The AMQP type and routing key of a batch with an event to write at once.
    public static let urgentMessageType = "events.batch.urgent"

    /// The events, in order.
    public var items: [Item]

    /// A batch of `items`.
    public init(items: [Item]) {
        self.items = items
    }

    /// Whether the history can show an event of AMQP type `type` a moment later (the
    /// recorder holds it for its batch window): step events, a deployment's `queued` and
    /// `running`, and a batch of only such events. A deployment's end, a wait for approval, a
    /// pause, a schedule, a server's stop are written as they come.
    public static func canWait(type: String) -> Bool {
        type.hasPrefix("step.") || type == "deployment.queued" || type == "deployment.running" || type == messageType
    }

    /// Whether an event of the batch must not wait (``canWait(type:)``).
    public var isUrgent: Bool {
        items.contains { !Self.canWait(type: $0.message.type) }
    }

    /// `{"events":[{"body":…,"id":"…","traceParent":"…","type":"…"},…]}`, each body copied as it is.
    func encode() throws -> [UInt8] {
        var writer = JSONBytes(capacity: items.reduce(16) { $0 + 64 + ($1.body?.count ?? 512) })
        var fields = JSONBytes.Fields()
        writer.raw("{")
        writer.key("events", &fields)
        writer.raw("[")
        for (index, item) in items.enumerated() {
            if index > 0 { writer.raw(",") }
            var itemFields = JSONBytes.Fields()
            writer.raw("{")
            writer.key("body", &itemFields)
            writer.encoded(try item.body ?? ContractCodec.encode(item.message))
            writer.string("id", item.messageId, &itemFields)
            writer.string("traceParent", item.traceParent, &itemFields)
            writer.string("type", item.message.type, &itemFields)
            writer.raw("}")
        }
        writer.raw("]}")
        return writer.bytes
    }
}

extension EventBatch {
    /// Reads a batch without `Codable` (what the recorder reads once per scheduler transaction):
    /// step events by ``StepMessagesJSON/readEvent(_:ofType:)``, deployment events by
    /// ``DeploymentEventJSON/read(_:ofType:)``, the others (and what those refuse) by
    /// `JSONDecoder` from their own bytes. `nil` for anything it does not accept (``JSONReader``); ``ContractCodec`` then
    /// reads the whole batch with `JSONDecoder`, which reads it or says what is wrong.
    static func read(_ body: [UInt8]) -> EventBatch? {
        var parts: [(id: String, type: String, traceParent: String?, body: [UInt8])] = []
        let read: Void? = body.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            var sawEvents = false
            let batch: Void? = reader.object { reader, key in
                guard key == "events" else { return reader.skipValue() != nil }
                guard !sawEvents else { return false }
                sawEvents = true
                return reader.array { reader in
                    var seen = MemberNames()
                    var id: String?
                    var type: String?
                    var traceParent: String?
                    var event: Range<Int>?
                    let item: Void? = reader.object { reader, key in
                        guard seen.insert(key) else { return false }
                        switch key {
                        case "id": id = reader.string()
                        case "type": type = reader.string()
                        case "traceParent":
                            if reader.null() { return true }
                            traceParent = reader.string()
                            return traceParent != nil
                        case "body": event = reader.valueBounds()
                        default: return reader.skipValue() != nil
                        }
                        return true
                    }
                    guard item != nil, let id, let type, let event else { return false }
                    parts.append((id, type, traceParent, reader.slice(event)))
                    return true
                } != nil
            }
            return batch != nil && sawEvents && reader.atEnd() ? () : nil
        }
        guard read != nil else { return nil }
        var items: [Item] = []
        items.reserveCapacity(parts.count)
        for part in parts {
            let message: HangarMessage
            if let event = StepMessagesJSON.readEvent(part.body, ofType: part.type) {
                message = .stepEvent(event)
            } else if let event = DeploymentEventJSON.read(part.body, ofType: part.type) {
                message = .deploymentEvent(event)
            } else {
                guard
                    let event = try? ContractCodec.decodeEvent(
                        type: part.type, from: BodyEventSource(data: Data(part.body), decoder: HangarJSON.decoder))
                else { return nil }
                message = event
            }
            items.append(Item(messageId: part.id, message: message, traceParent: part.traceParent, body: part.body))
        }
        return EventBatch(items: items)
    }
}

extension EventBatch: Decodable {
    private enum CodingKeys: String, CodingKey { case events }

    /// Decodes a batch, each event by its type (a type that is no event fails it).
    public init(from decoder: any Decoder) throws {
        items = try decoder.container(keyedBy: CodingKeys.self).decode([Item].self, forKey: .events)
    }
}

extension EventBatch.Item: Decodable {
    private enum CodingKeys: String, CodingKey { case body, id, traceParent, type }

    /// Decodes an item: its body as the event its type names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageId = try container.decode(String.self, forKey: .id)
        let type = try container.decode(String.self, forKey: .type)
        guard let event = try ContractCodec.decodeEvent(type: type, from: NestedEventSource(decoder: try container.superDecoder(forKey: .body)))
        else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "'\(type)' is not an event")
        }
        message = event
        traceParent = try container.decodeIfPresent(String.self, forKey: .traceParent)
        body = nil
    }
}

/// Where ``ContractCodec/decodeEvent(type:from:)`` reads an event from.
protocol EventSource {
    /// Decodes the event's payload as `type`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T
}

/// A message's whole body.
struct BodyEventSource: EventSource {
    let data: Data
    let decoder: JSONDecoder

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type, from: data) }
}

/// A value inside a document being decoded (an ``EventBatch`` item's body).
struct NestedEventSource: EventSource {
    let decoder: any Decoder

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
