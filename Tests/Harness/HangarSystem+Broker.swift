import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The system's virtual host seen through RabbitMQ's management API: publish raw messages,
/// peek at and purge queues.
extension HangarSystem {
    /// Calls the management API; returns the body and the status.
    @discardableResult
    public func broker(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: Self.managementURL + path)!)
        request.httpMethod = method
        request.setValue("Basic \(Data("guest:guest".utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    public var encodedVhost: String { vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost }

    /// Publishes a raw message to an exchange of this system's vhost; returns whether a queue took it.
    @discardableResult
    public func publishRaw(exchange: String, routingKey: String, type: String?, body: String, headers: [String: Any] = [:]) async throws -> Bool {
        var properties: [String: Any] = ["message_id": UUID().uuidString, "delivery_mode": 2, "headers": headers]
        if let type { properties["type"] = type }
        let (data, status) = try await broker(
            "POST", "/api/exchanges/\(encodedVhost)/\(exchange)/publish",
            body: ["properties": properties, "routing_key": routingKey, "payload": body, "payload_encoding": "string"])
        guard status == 200 else { throw E2EFailure("publish answered \(status)") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["routed"] as? Bool ?? false
    }

    /// Up to `count` messages of a queue, left in it (requeued): their headers and bodies.
    public func peek(queue: String, count: Int = 10) async throws -> [(headers: [String: Any], body: String)] {
        let (data, status) = try await broker(
            "POST", "/api/queues/\(encodedVhost)/\(queue)/get",
            body: ["count": count, "ackmode": "ack_requeue_true", "encoding": "auto"])
        guard status == 200 else { throw E2EFailure("get from \(queue) answered \(status)") }
        let messages = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return messages.map { message in
            let properties = message["properties"] as? [String: Any] ?? [:]
            return (properties["headers"] as? [String: Any] ?? [:], message["payload"] as? String ?? "")
        }
    }

    /// How many deliveries of a queue its consumers hold unacked, as the management API last
    /// counted them (it refreshes its figures every second on the test broker).
    public func unackedMessages(_ queue: String) async throws -> Int {
        let (data, status) = try await broker("GET", "/api/queues/\(encodedVhost)/\(queue)")
        guard status == 200 else { throw E2EFailure("queue \(queue) answered \(status)") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["messages_unacknowledged"] as? Int ?? 0
    }

    /// How many consumers a queue has (an active one and standbys on a single-active-consumer
    /// queue), as the management API last counted them.
    public func consumers(_ queue: String) async throws -> Int {
        let (data, status) = try await broker("GET", "/api/queues/\(encodedVhost)/\(queue)")
        guard status == 200 else { throw E2EFailure("queue \(queue) answered \(status)") }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["consumers"] as? Int ?? 0
    }

    /// Drops every message of a queue.
    public func purge(queue: String) async throws {
        let (_, status) = try await broker("DELETE", "/api/queues/\(encodedVhost)/\(queue)/contents")
        guard (200..<300).contains(status) else { throw E2EFailure("purge of \(queue) answered \(status)") }
    }
}
