import AsyncHTTPClient
import Foundation
import NIOCore

/// A queue as `GET /v1/queues` shows it, from RabbitMQ's management API.
struct QueueInfo: Codable, Sendable, Equatable {
    var name: String
    var messagesReady: Int
    var messagesUnacknowledged: Int
    var consumers: Int
    /// Messages per second published into it, delivered from it and acknowledged, over the
    /// management API's last sampling interval (0 when idle).
    var publishRate: Double
    var deliverRate: Double
    var ackRate: Double
    /// Its dead letters: in `<name>.dead` (`nil` when it has no such queue), plus, in `GET
    /// /v1/queues`, those the recorder keeps.
    var deadLetters: Int?
    var deadLetterQueue: String?
    /// `quorum` or `classic`.
    var type: String?
}

struct QueuesResponse: Codable, Sendable, Equatable {
    var vhost: String
    var items: [QueueInfo]
}

/// Reads queue statistics from RabbitMQ's management API (HTTP, through async-http-client).
struct ManagementClient: Sendable {
    /// `http://user:password@host:15672`.
    let baseURL: String
    let vhost: String
    var timeoutSeconds = 5

    enum Failure: Error, CustomStringConvertible {
        case unreachable(String)
        case status(Int, String)
        case malformed(String)

        var description: String {
            switch self {
            case .unreachable(let text): return "the management API is unreachable: \(text)"
            case .status(let code, let body): return "the management API answered \(code): \(body.prefix(200))"
            case .malformed(let text): return "the management API's answer is not understood: \(text)"
            }
        }
    }

    /// The base URL without its password, for messages.
    var redactedBaseURL: String {
        guard var components = URLComponents(string: baseURL) else { return "(unparseable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? baseURL
    }

    func queues() async throws -> QueuesResponse {
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? vhost
        let url = baseURL.trimmingSuffix("/") + "/api/queues/\(encodedVhost)"
        let (status, body) = try await Self.get(url, timeoutSeconds: timeoutSeconds)
        guard status == 200 else { throw Failure.status(status, String(decoding: body, as: UTF8.self)) }
        guard let list = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw Failure.malformed("expected a JSON array of queues")
        }
        return QueuesResponse(vhost: vhost, items: Self.summarize(list))
    }

    /// One row per queue, each with the depth of its `.dead` queue; the `.dead` queues of
    /// listed queues are folded into their owner's row. Sorted by name.
    static func summarize(_ list: [[String: Any]]) -> [QueueInfo] {
        func int(_ object: [String: Any], _ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        func rate(_ object: [String: Any], _ key: String) -> Double {
            guard let stats = object["message_stats"] as? [String: Any], let details = stats[key] as? [String: Any] else { return 0 }
            return (details["rate"] as? NSNumber)?.doubleValue ?? 0
        }
        var byName: [String: [String: Any]] = [:]
        for queue in list { if let name = queue["name"] as? String { byName[name] = queue } }
        var rows: [QueueInfo] = []
        for (name, queue) in byName {
            if name.hasSuffix(".dead"), byName[String(name.dropLast(5))] != nil { continue }
            let dead = byName["\(name).dead"]
            rows.append(
                QueueInfo(
                    name: name, messagesReady: int(queue, "messages_ready"), messagesUnacknowledged: int(queue, "messages_unacknowledged"),
                    consumers: int(queue, "consumers"), publishRate: rate(queue, "publish_details"),
                    deliverRate: rate(queue, "deliver_get_details"), ackRate: rate(queue, "ack_details"),
                    deadLetters: dead.map { int($0, "messages") }, deadLetterQueue: dead == nil ? nil : "\(name).dead",
                    type: queue["type"] as? String))
        }
        return rows.sorted { $0.name < $1.name }
    }

    /// A GET through async-http-client: the URL's user and password become a Basic
    /// `Authorization` header, never part of an error text.
    static func get(_ url: String, timeoutSeconds: Int) async throws -> (Int, [UInt8]) {
        guard var components = URLComponents(string: url) else { throw Failure.unreachable("the management URL is not a URL") }
        var request = HTTPClientRequest(url: "")
        if let user = components.user {
            let credentials = Data("\(user):\(components.password ?? "")".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        }
        components.user = nil
        components.password = nil
        guard let bare = components.string else { throw Failure.unreachable("the management URL is not a URL") }
        request.url = bare
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeoutSeconds)))
            let body = try await response.body.collect(upTo: 32 << 20)  // at most 32 MiB
            return (Int(response.status.code), Array(body.readableBytesView))
        } catch {
            throw Failure.unreachable("\(error)")
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
