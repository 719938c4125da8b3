import Foundation

/// Every message Hangar's services exchange, as one type to switch over.
public enum HangarMessage: Sendable, Equatable {
    /// `deployment.submit`: intake asks the scheduler to run a new deployment.
    case submitDeployment(SubmitDeployment)
    /// `deployment.cancel`: intake asks the scheduler to cancel a deployment.
    case cancelDeployment(CancelDeployment)
    /// `step.execute`: the scheduler asks a worker to run a step, or to check on it again.
    case executeStep(ExecuteStep)
    /// `step.heartbeat`: a worker tells the scheduler that it is still running a step.
    case stepHeartbeat(StepHeartbeat)
    /// `step.started`, `step.progress`, `step.succeeded`, `step.skipped` or `step.failed`: a worker reports on a step.
    case stepEvent(StepEvent)
    /// `deployment.<status>`: the scheduler reports that a deployment's status changed.
    case deploymentEvent(DeploymentEvent)
    /// `freeze.snapshot`: intake tells the scheduler every freeze window there is.
    case freezeSnapshot(FreezeSnapshot)
    /// `deployment.due`: the scheduler tells itself, through its queue, that a scheduled
    /// deployment fell due while no replica fired timers.
    case deploymentDue(DeploymentDue)
    /// `server.shutdown.schedule`: intake asks the scheduler to stop a server at a time, or not to.
    case scheduleShutdown(ScheduleServerShutdown)
    /// `server.action` or `server.query`: a question about an environment's servers for a
    /// worker (the scheduler asks one to carry out a scheduled stop through its outbox).
    case serverRequest(ServerRequest)
    /// `server.reply`: a worker's answer, here to the scheduler's queue.
    case serverReply(ServerReply)
    /// `server.shutdown.<status>`: the scheduler reports a turn in a scheduled server stop.
    case shutdownEvent(ServerShutdownEvent)
    /// `quota.query`: intake asks the scheduler whether an environment's reconnection quota has room.
    case quotaQuery(ReconnectionQuotaQuery)
    /// `schedule.set`: intake tells the scheduler a recurring schedule as it now stands.
    case scheduleSet(RecurringScheduleSet)
    /// `audit.record`: the scheduler has intake keep an audit entry no HTTP request made.
    case auditRecord(AuditRecord)
    /// `deployment.decide`: intake tells the scheduler someone approved or rejected a deployment.
    case decideApproval(DecideApproval)
    /// `deployment.resolve`: intake tells the scheduler someone resumed or rolled back a paused rollout.
    case resolvePause(ResolvePause)
    /// `events.batch` or `events.batch.urgent`: the scheduler hands the recorder the events of one
    /// of its transactions.
    case eventBatch(EventBatch)

    /// Commands go to `hangar.commands`, events to `hangar.events`. A heartbeat is a command:
    /// only the scheduler needs it, and nothing bound to every event receives it.
    public enum Kind: Sendable { case command, event }

    /// The AMQP `type` property and routing key, for example `step.succeeded`.
    public var type: String {
        switch self {
        case .submitDeployment: return "deployment.submit"
        case .cancelDeployment: return "deployment.cancel"
        case .executeStep: return "step.execute"
        case .stepHeartbeat: return "step.heartbeat"
        case .stepEvent(let event): return event.messageType
        case .deploymentEvent(let event): return event.messageType
        case .freezeSnapshot: return FreezeSnapshot.messageType
        case .deploymentDue: return "deployment.due"
        case .scheduleShutdown: return ScheduleServerShutdown.messageType
        case .serverRequest(let request): return request.messageType
        case .serverReply: return ServerReply.type
        case .shutdownEvent(let event): return event.messageType
        case .quotaQuery: return ReconnectionQuotaQuery.messageType
        case .scheduleSet: return RecurringScheduleSet.messageType
        case .auditRecord: return AuditRecord.messageType
        case .decideApproval: return DecideApproval.messageType
        case .resolvePause: return ResolvePause.messageType
        case .eventBatch(let batch): return batch.isUrgent ? EventBatch.urgentMessageType : EventBatch.messageType
        }
    }

    /// Whether the message is a command or an event. This picks the exchange it is published to.
    public var kind: Kind {
        switch self {
        case .submitDeployment, .cancelDeployment, .executeStep, .stepHeartbeat, .freezeSnapshot, .deploymentDue, .scheduleShutdown,
            .serverRequest, .serverReply, .quotaQuery, .scheduleSet, .auditRecord, .decideApproval, .resolvePause:
            return .command
        case .stepEvent, .deploymentEvent, .shutdownEvent, .eventBatch: return .event
        }
    }

    /// The deployment it concerns: the AMQP `correlation_id`; `nil` for a message about no
    /// single deployment (a freeze snapshot, anything about servers).
    public var deploymentId: UUID? {
        switch self {
        case .submitDeployment(let message): return message.deploymentId
        case .cancelDeployment(let message): return message.deploymentId
        case .executeStep(let message): return message.deploymentId
        case .stepHeartbeat(let message): return message.deploymentId
        case .stepEvent(let message): return message.deploymentId
        case .deploymentEvent(let message): return message.deploymentId
        case .freezeSnapshot, .scheduleShutdown, .serverRequest, .serverReply, .shutdownEvent, .quotaQuery, .scheduleSet, .auditRecord,
            .eventBatch:
            return nil
        case .deploymentDue(let message): return message.deploymentId
        case .decideApproval(let message): return message.deploymentId
        case .resolvePause(let message): return message.deploymentId
        }
    }
}

/// Why a message could not be turned into a ``HangarMessage``. Such a message is
/// dead-lettered with this reason, never retried.
public enum ContractError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The AMQP `type` property is missing or empty.
    case missingType
    /// The `type` names no message this build knows.
    case unknownType(String)
    /// The `x-schema-version` header is newer than the version this build reads (a newer build sent it).
    case newerSchema(type: String, version: Int, supported: Int)
    /// The body does not decode as the payload of its type, or its `kind` or `status` contradicts the type.
    case malformed(type: String, reason: String)

    /// One sentence for logs and for the dead letter's reason.
    public var description: String {
        switch self {
        case .missingType: return "the message has no type"
        case .unknownType(let type): return "unknown message type '\(type)'"
        case .newerSchema(let type, let version, let supported):
            return "'\(type)' has schema version \(version); this service understands up to \(supported)"
        case .malformed(let type, let reason): return "malformed '\(type)' body: \(reason)"
        }
    }
}

/// JSON encoding of messages: camelCase keys, RFC 3339 UTC dates with milliseconds.
public enum ContractCodec {
    /// The schema version this build writes and the newest it reads.
    public static let schemaVersion = 1
    /// The header carrying the schema version.
    public static let schemaVersionHeader = "x-schema-version"

    /// The message's body: its payload alone, as JSON from ``HangarJSON/encoder``. The type and the schema version
    /// travel in AMQP properties and headers, not in the body.
    public static func encode(_ message: HangarMessage) throws -> [UInt8] {
        let encoder = HangarJSON.encoder
        switch message {
        case .submitDeployment(let value): return Array(try encoder.encode(value))
        case .cancelDeployment(let value): return Array(try encoder.encode(value))
        case .executeStep(let value): return try StepMessagesJSON.encode(value)
        case .stepHeartbeat(let value): return Array(try encoder.encode(value))
        case .stepEvent(let value): return try StepMessagesJSON.encode(value)
        case .deploymentEvent(let value): return try DeploymentEventJSON.encode(value)
        case .freezeSnapshot(let value): return Array(try encoder.encode(value))
        case .deploymentDue(let value): return Array(try encoder.encode(value))
        case .scheduleShutdown(let value): return Array(try encoder.encode(value))
        case .serverRequest(let value): return Array(try encoder.encode(value))
        case .serverReply(let value): return Array(try encoder.encode(value))
        case .shutdownEvent(let value): return Array(try encoder.encode(value))
        case .quotaQuery(let value): return Array(try encoder.encode(value))
        case .scheduleSet(let value): return Array(try encoder.encode(value))
        case .auditRecord(let value): return Array(try encoder.encode(value))
        case .decideApproval(let value): return Array(try encoder.encode(value))
        case .resolvePause(let value): return Array(try encoder.encode(value))
        case .eventBatch(let value): return try value.encode()
        }
    }

    /// Decodes the message of AMQP type `type` from `body`. `schemaVersion` is the `x-schema-version` header
    /// (`nil` counts as 1). Throws a ``ContractError`` saying why when it cannot.
    public static func decode(type: String?, schemaVersion: Int?, body: [UInt8]) throws(ContractError) -> HangarMessage {
        guard let type, !type.isEmpty else { throw .missingType }
        let version = schemaVersion ?? 1
        if version > Self.schemaVersion {
            throw .newerSchema(type: type, version: version, supported: Self.schemaVersion)
        }
        // The two messages of every step and the deployment events are read by hand first
        // (`nil`: `JSONDecoder` reads it).
        if type == "step.execute", let command = StepMessagesJSON.readCommand(body) { return .executeStep(command) }
        if let event = StepMessagesJSON.readEvent(body, ofType: type) { return .stepEvent(event) }
        if let event = DeploymentEventJSON.read(body, ofType: type) { return .deploymentEvent(event) }
        let data = Data(body)
        let decoder = HangarJSON.decoder
        do {
            switch type {
            case "deployment.submit": return .submitDeployment(try decoder.decode(SubmitDeployment.self, from: data))
            case "deployment.cancel": return .cancelDeployment(try decoder.decode(CancelDeployment.self, from: data))
            case "step.execute": return .executeStep(try decoder.decode(ExecuteStep.self, from: data))
            case "step.heartbeat": return .stepHeartbeat(try decoder.decode(StepHeartbeat.self, from: data))
            case FreezeSnapshot.messageType: return .freezeSnapshot(try decoder.decode(FreezeSnapshot.self, from: data))
            case "deployment.due": return .deploymentDue(try decoder.decode(DeploymentDue.self, from: data))
            case ScheduleServerShutdown.messageType: return .scheduleShutdown(try decoder.decode(ScheduleServerShutdown.self, from: data))
            case ServerRequest.queryType, ServerRequest.actionType: return .serverRequest(try decoder.decode(ServerRequest.self, from: data))
            case ServerReply.type: return .serverReply(try decoder.decode(ServerReply.self, from: data))
            case ReconnectionQuotaQuery.messageType: return .quotaQuery(try decoder.decode(ReconnectionQuotaQuery.self, from: data))
            case RecurringScheduleSet.messageType: return .scheduleSet(try decoder.decode(RecurringScheduleSet.self, from: data))
            case AuditRecord.messageType: return .auditRecord(try decoder.decode(AuditRecord.self, from: data))
            case DecideApproval.messageType: return .decideApproval(try decoder.decode(DecideApproval.self, from: data))
            case ResolvePause.messageType: return .resolvePause(try decoder.decode(ResolvePause.self, from: data))
            case EventBatch.messageType, EventBatch.urgentMessageType:
                return .eventBatch(try EventBatch.read(body) ?? decoder.decode(EventBatch.self, from: data))
            default:
                guard let event = try decodeEvent(type: type, from: BodyEventSource(data: data, decoder: decoder)) else {
                    throw ContractError.unknownType(type)
                }
                return event
            }
        } catch let error as ContractError {
            throw error
        } catch let error as DecodingError {
            throw .malformed(type: type, reason: Self.describe(error))
        } catch {
            throw .malformed(type: type, reason: "\(error)")
        }
    }

    /// The event of AMQP type `type` (`step.*`, `deployment.*`, `server.shutdown.*`) read from
    /// `source`; `nil` when `type` names no event. Throws ``ContractError/malformed(type:reason:)``
    /// when the event's kind or status contradicts its type.
    static func decodeEvent(type: String, from source: some EventSource) throws -> HangarMessage? {
        if type.hasPrefix(ServerShutdownEvent.typePrefix),
            let status = ServerShutdownEvent.Status(rawValue: String(type.dropFirst(ServerShutdownEvent.typePrefix.count)))
        {
            let event = try source.decode(ServerShutdownEvent.self)
            guard event.status == status else {
                throw ContractError.malformed(type: type, reason: "status '\(event.status.rawValue)' contradicts the type")
            }
            return .shutdownEvent(event)
        }
        if type.hasPrefix("step."), let kind = StepEvent.Kind(rawValue: String(type.dropFirst(5))) {
            let event = try source.decode(StepEvent.self)
            guard event.kind == kind else {
                throw ContractError.malformed(type: type, reason: "kind '\(event.kind.rawValue)' contradicts the type")
            }
            return .stepEvent(event)
        }
        if type.hasPrefix("deployment."), let status = DeploymentStatus(rawValue: String(type.dropFirst(11))) {
            let event = try source.decode(DeploymentEvent.self)
            guard event.status == status else {
                throw ContractError.malformed(type: type, reason: "status '\(event.status.rawValue)' contradicts the type")
            }
            return .deploymentEvent(event)
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Hangar's JSON conventions, shared by messages, storage and the HTTP API.
public enum HangarJSON {
    /// A new encoder: keys sorted, `/` not escaped, dates written by ``formatDate(_:)``.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A new decoder: dates read by ``parseDate(_:)``. A date string it cannot parse fails the decoding.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date: \(text)")
            }
            return date
        }
        return decoder
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-22T10:15:00.123Z`.
    public static func formatDate(_ date: Date) -> String {
        // Rounded to the millisecond: a Double such as …00.123 is stored as …00.12299….
        RFC3339.format(epochMilliseconds: date.epochMilliseconds) ?? foundationFormat(date)
    }

    /// Parses RFC 3339 with or without fractional seconds, `Z` or an offset.
    public static func parseDate(_ text: String) -> Date? {
        if let milliseconds = RFC3339.parse(text) { return Date(epochMilliseconds: milliseconds) }
        // RFC 3339's own shape with a field out of range (12:99:00, February 30th) is refused:
        // Foundation's parser below would roll it over into another time.
        if RFC3339.hasDateTimeShape(text) { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return nil
    }

    /// `formatDate` through Foundation, for the years `RFC3339` does not write.
    static func foundationFormat(_ date: Date) -> String {
        let milliseconds = date.epochMilliseconds
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let wholeSeconds = fraction < 0 ? seconds - 1 : seconds
        let millisecondsPart = fraction < 0 ? fraction + 1000 : fraction
        let text = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: TimeInterval(wholeSeconds)))
        let threeDigits = String(millisecondsPart + 1000).dropFirst()
        return "\(text.dropLast())." + threeDigits + "Z"
    }
}
