import Foundation

/// A ``DeploymentEvent`` written as JSON straight into bytes: what `HangarJSON.encoder` writes
/// for it (keys sorted, absent values left out, slashes not escaped, RFC 3339 dates), without
/// `Codable`. The scheduler writes two or more of these for every deployment (each start of
/// a scheduled one among them); the rare approval and pause states are still encoded by
/// `JSONEncoder` and copied in.
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
}
