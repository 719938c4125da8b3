import Foundation

/// A ``DeploymentEvent`` written as JSON straight into bytes: what `HangarJSON.encoder` writes
/// for it (keys sorted, absent values left out, slashes not escaped, RFC 3339 dates), without
/// `Codable`, and read back by hand. The scheduler writes two or more of these for every
/// deployment (each start of a scheduled one among them), and the recorder and the notifier
/// read each; the rare approval, pause and rollback parts are still encoded and decoded by
/// Foundation and copied in or out.
enum DeploymentEventJSON {
    static func encode(_ event: DeploymentEvent) throws -> [UInt8] {
        var writer = JSONBytes(capacity: 1024)
        var fields = JSONBytes.Fields()
        writer.raw("{")
        try writer.encodedByFoundation("approval", event.approval, &fields)
        writer.date("at", event.at, &fields)
        writer.date("createdAt", event.createdAt, &fields)
        writer.string("deploymentId", event.deploymentId.lowercasedString, &fields)
        writer.string("environmentId", event.environmentId.lowercasedString, &fields)
        writer.string("environmentName", event.environmentName, &fields)
        writer.string("failedStep", event.failedStep?.rawValue, &fields)
        writer.string("mode", event.mode.rawValue, &fields)
        writer.strings("notify", event.notify, &fields)
        if let notifyEvents = event.notifyEvents { writer.strings("notifyEvents", notifyEvents.map(\.rawValue), &fields) }
        writer.options(event.options, &fields)
        if let outputs = event.outputs { writer.object("outputs", outputs, &fields) }
        writer.string("owner", event.owner, &fields)
        try writer.encodedByFoundation("pause", event.pause, &fields)
        writer.string("reason", event.reason, &fields)
        writer.rollback(event.rollback, &fields)
        writer.date("scheduledAt", event.scheduledAt, &fields)
        writer.string("status", event.status.rawValue, &fields)
        if let steps = event.steps {
            writer.array("steps", steps, &fields) { writer, step in writer.stepSummary(step) }
        }
        writer.string("version", event.version, &fields)
        if let webhooks = event.webhooks { writer.strings("webhooks", webhooks, &fields) }
        writer.raw("}")
        return writer.bytes
    }

    /// Reads a deployment event by hand (``JSONReader``): `nil` for anything the reader does
    /// not accept, which `JSONDecoder` then reads or refuses with its reason. So an event read
    /// here equals what `JSONDecoder` reads from the same bytes.
    static func read(_ body: [UInt8]) -> DeploymentEvent? {
        body.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            var seen = MemberNames()
            var status: DeploymentStatus?
            var deploymentId: UUID?
            var environmentId: UUID?
            var environmentName: String?
            var version: String?
            var owner: String?
            var at: Date?
            var createdAt: Date?
            var scheduledAt: Date?
            var mode: PublishMode?
            var options: DeploymentOptions?
            var notify: [String]?
            var reason: String?
            var failedStep: StepName?
            var outputs: [String: String]?
            var notifyEvents: [DeploymentStatus]?
            var webhooks: [String]?
            var steps: [DeploymentStepSummary]?
            var rollback: RollbackOf?
            var approval: ApprovalState?
            var pause: PauseState?
            let read: Void? = reader.object { reader, key in
                guard seen.insert(key) else { return false }
                switch key {
                case "status": status = reader.string().flatMap(DeploymentStatus.init(rawValue:))
                case "deploymentId": deploymentId = reader.id()
                case "environmentId": environmentId = reader.id()
                case "environmentName": environmentName = reader.string()
                case "version": return reader.optional(&version) { $0.string() }
                case "owner": owner = reader.string()
                case "at": at = reader.date()
                case "createdAt": createdAt = reader.date()
                case "scheduledAt": return reader.optional(&scheduledAt) { $0.date() }
                case "mode": mode = reader.string().flatMap(PublishMode.init(rawValue:))
                case "options": options = reader.options()
                case "notify": notify = reader.stringList()
                case "reason": return reader.optional(&reason) { $0.string() }
                case "failedStep": return reader.optional(&failedStep) { $0.string().flatMap(StepName.init(rawValue:)) }
                case "outputs": return reader.optional(&outputs) { $0.strings() }
                case "notifyEvents": return reader.optional(&notifyEvents) { $0.rawValues(DeploymentStatus.self) }
                case "webhooks": return reader.optional(&webhooks) { $0.stringList() }
                case "steps": return reader.optional(&steps) { $0.stepSummaries() }
                case "rollback": return reader.optional(&rollback) { $0.decoded(RollbackOf.self) }
                case "approval": return reader.optional(&approval) { $0.decoded(ApprovalState.self) }
                case "pause": return reader.optional(&pause) { $0.decoded(PauseState.self) }
                default: return reader.skipValue() != nil
                }
                return true
            }
            guard read != nil, reader.atEnd(), let status, let deploymentId, let environmentId, let environmentName, let owner,
                let at, let createdAt, let mode, let options, let notify
            else { return nil }
            return DeploymentEvent(
                status: status, deploymentId: deploymentId, environmentId: environmentId, environmentName: environmentName,
                version: version, owner: owner, at: at, createdAt: createdAt, scheduledAt: scheduledAt, mode: mode, options: options,
                notify: notify, reason: reason, failedStep: failedStep, outputs: outputs, notifyEvents: notifyEvents,
                webhooks: webhooks, steps: steps, rollback: rollback, approval: approval, pause: pause)
        }
    }

    /// Reads a deployment event whose AMQP type is `type` (`deployment.<status>`, its status
    /// the event's); `nil` otherwise, or when ``read(_:)`` does not accept the body.
    static func read(_ body: [UInt8], ofType type: String) -> DeploymentEvent? {
        guard type.hasPrefix("deployment."), let status = DeploymentStatus(rawValue: String(type.dropFirst(11))),
            let event = read(body), event.status == status
        else { return nil }
        return event
    }
}

extension JSONReader {
    /// A finished deployment's step table (``DeploymentStepSummary``).
    fileprivate mutating func stepSummaries() -> [DeploymentStepSummary]? {
        var steps: [DeploymentStepSummary] = []
        let read: Void? = array { reader in
            var seen = MemberNames()
            var name: StepName?
            var status: StepStatus?
            var startedAt: Date?
            var finishedAt: Date?
            var attempts: Int?
            var error: String?
            let step: Void? = reader.object { reader, key in
                guard seen.insert(key) else { return false }
                switch key {
                case "name": name = reader.string().flatMap(StepName.init(rawValue:))
                case "status": status = reader.string().flatMap(StepStatus.init(rawValue:))
                case "startedAt": return reader.optional(&startedAt) { $0.date() }
                case "finishedAt": return reader.optional(&finishedAt) { $0.date() }
                case "attempts": attempts = reader.integer()
                case "error": return reader.optional(&error) { $0.string() }
                default: return reader.skipValue() != nil
                }
                return true
            }
            guard step != nil, let name, let status, let attempts else { return false }
            steps.append(
                DeploymentStepSummary(name: name, status: status, startedAt: startedAt, finishedAt: finishedAt, attempts: attempts, error: error))
            return true
        }
        return read.map { steps }
    }
}
