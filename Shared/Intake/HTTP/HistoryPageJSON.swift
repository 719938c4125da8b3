import Foundation
import HangarContracts
import NIOCore

/// A history page written as JSON straight into a buffer: the same bytes `HangarJSON.encoder`
/// writes (keys sorted, absent values left out, slashes not escaped, RFC 3339 dates), without
/// `Codable`, whose generic machinery was most of the page's cost (a page of 50 deployments
/// holds 350 objects and 850 dates).
enum HistoryPageJSON {
    static func encode(_ page: HistoryPage) -> ByteBuffer {
        var writer = JSONBytes(capacity: 1200 * page.items.count + 64)
        writer.raw("{\"items\":[")
        for (index, item) in page.items.enumerated() {
            if index > 0 { writer.raw(",") }
            write(item, to: &writer)
        }
        writer.raw("]")
        if let cursor = page.nextCursor {
            writer.raw(",\"nextCursor\":")
            writer.string(cursor)
        }
        writer.raw("}")
        return writer.buffer
    }

    private static func write(_ item: DeploymentSummary, to writer: inout JSONBytes) {
        writer.raw("{")
        var fields = JSONBytes.Fields()
        writer.date("createdAt", item.createdAt, &fields)
        writer.integer("durationMs", item.durationMs, &fields)
        writer.string("environmentId", item.environmentId?.lowercasedString, &fields)
        writer.string("environmentName", item.environmentName, &fields)
        writer.date("finishedAt", item.finishedAt, &fields)
        writer.string("id", item.id.lowercasedString, &fields)
        writer.string("kind", item.kind.rawValue, &fields)
        writer.string("mode", item.mode?.rawValue, &fields)
        writer.string("owner", item.owner, &fields)
        writer.rollback(item.rollback, &fields)
        writer.date("scheduledAt", item.scheduledAt, &fields)
        writer.date("startedAt", item.startedAt, &fields)
        writer.string("status", item.status.rawValue, &fields)
        writer.array("steps", item.steps, &fields) { writer, step in
            writer.raw("{")
            var stepFields = JSONBytes.Fields()
            writer.integer("durationMs", step.durationMs, &stepFields)
            writer.date("finishedAt", step.finishedAt, &stepFields)
            writer.string("name", step.name.rawValue, &stepFields)
            writer.date("startedAt", step.startedAt, &stepFields)
            writer.string("status", step.status.rawValue, &stepFields)
            writer.raw("}")
        }
        writer.string("version", item.version, &fields)
        writer.raw("}")
    }
}

extension JSONBytes {
    /// What was written, for a response body.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

}
