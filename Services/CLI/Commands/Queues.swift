import ArgumentParser
import Foundation

/// `hangar queues`: depth, unacked, consumers, rates and dead letters of each queue.
struct Queues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the message queues: depth, unacked, consumers, rates, dead letters.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let answer = try await connection.client().send(.GET, "/v1/queues")
            if connection.json { return printJSON(answer.body) }
            let object = try? JSONSerialization.jsonObject(with: answer.body)
            let queues = ((object as? [String: Any])?["items"] ?? (object as? [String: Any])?["queues"] ?? object) as? [[String: Any]] ?? []
            var table = Table("QUEUE", "READY", "UNACKED", "CONSUMERS", "IN/S", "OUT/S", "DEAD")
            for queue in queues {
                table.add(
                    queue["name"] as? String ?? "?", Self.number(queue, "ready", "messagesReady"),
                    Self.number(queue, "unacked", "messagesUnacknowledged"), Self.number(queue, "consumers"),
                    Self.rate(queue, "publishRate"), Self.rate(queue, "deliverRate"), Self.number(queue, "deadLetters"))
            }
            print(table.render(style: Style.standard))
        }
    }

    static func number(_ queue: [String: Any], _ keys: String...) -> String {
        for key in keys { if let value = queue[key] as? NSNumber { return "\(value.intValue)" } }
        return ""
    }

    static func rate(_ queue: [String: Any], _ key: String) -> String {
        (queue[key] as? NSNumber).map { String(format: "%.1f", $0.doubleValue) } ?? ""
    }
}
