import Foundation
import HangarContracts
import NIOCore

/// One deployment in full (`GET /v1/deployments/{id}`) written as JSON straight into a
/// buffer: the bytes `HangarJSON.encoder` writes for ``DeploymentDetails`` (keys sorted,
/// absent values left out, slashes not escaped, RFC 3339 dates), without `Codable`, whose
/// generic machinery was the largest part of the read's cost. The rare approval and pause
/// states are still encoded by `JSONEncoder` and copied in.
enum DeploymentDetailsJSON {
    static func encode(_ details: DeploymentDetails) throws -> ByteBuffer {
        var writer = JSONBytes(capacity: 2048)
        var fields = JSONBytes.Fields()
        writer.raw("{")
        try writer.encodedByFoundation("approval", details.approval, &fields)
        writer.date("createdAt", details.createdAt, &fields)
        writer.integer("durationMs", details.durationMs, &fields)
        writer.string("environmentId", details.environmentId?.lowercasedString, &fields)
        writer.string("environmentName", details.environmentName, &fields)
        writer.string("failedStep", details.failedStep?.rawValue, &fields)
        writer.date("finishedAt", details.finishedAt, &fields)
        writer.string("id", details.id.lowercasedString, &fields)
        writer.string("kind", details.kind.rawValue, &fields)
        writer.string("mode", details.mode?.rawValue, &fields)
        writer.strings("notify", details.notify, &fields)
        writer.options(details.options, &fields)
        writer.object("outputs", details.outputs, &fields)
        writer.string("owner", details.owner, &fields)
        try writer.encodedByFoundation("pause", details.pause, &fields)
        writer.string("reason", details.reason, &fields)
        writer.rollback(details.rollback, &fields)
        writer.date("scheduledAt", details.scheduledAt, &fields)
        writer.date("startedAt", details.startedAt, &fields)
        writer.string("status", details.status.rawValue, &fields)
        writer.array("steps", details.steps, &fields) { writer, step in write(step, to: &writer) }
        writer.string("version", details.version, &fields)
        writer.raw("}")
        return writer.buffer
    }

    private static func write(_ step: StepDetails, to writer: inout JSONBytes) {
        writer.raw("{")
        var fields = JSONBytes.Fields()
        writer.integer("attempts", Int64(step.attempts), &fields)
        writer.array("detail", step.detail, &fields) { writer, line in writer.detailLine(at: line.at, message: line.message) }
        writer.integer("durationMs", step.durationMs, &fields)
        writer.string("error", step.error, &fields)
        writer.date("finishedAt", step.finishedAt, &fields)
        writer.string("name", step.name.rawValue, &fields)
        writer.date("startedAt", step.startedAt, &fields)
        writer.string("status", step.status.rawValue, &fields)
        writer.string("worker", step.worker, &fields)
        writer.raw("}")
    }
}
