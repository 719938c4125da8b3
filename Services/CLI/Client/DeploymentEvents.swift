import AsyncHTTPClient
import Foundation
import HangarContracts
import NIOCore

/// A deployment's changes as they happen: the API's Server-Sent Events
/// (`GET /v1/deployments/{id}/events`, each `data:` a deployment's details), falling back to
/// polling `GET /v1/deployments/{id}` when the stream is unavailable or drops.
struct DeploymentEvents {
    let client: APIClient
    let id: String
    var pollInterval: Duration = .milliseconds(500)

    /// Calls `update` with the deployment's details at each change until it is finished
    /// (`until` returns true); returns the last details.
    func follow(until done: (DeploymentDetails) -> Bool, _ update: (DeploymentDetails) -> Void) async throws -> DeploymentDetails {
        var last = try await client.get("/v1/deployments/\(id)", as: DeploymentDetails.self).0
        update(last)
        // Polls to make before trying the stream (again): none at first, a few after it
        // dropped, never when the API has none.
        var pollsBeforeStream = 0
        while !done(last) {
            if pollsBeforeStream == 0 {
                do {
                    let available = try await stream { details in
                        last = details
                        update(details)
                        return done(details)
                    }
                    pollsBeforeStream = available ? 1 : Int.max
                } catch {
                    pollsBeforeStream = 10  // dropped: poll for a while, then try the stream again
                }
                if done(last) { break }
            }
            try await Task.sleep(for: pollInterval)
            let details = try await client.get("/v1/deployments/\(id)", as: DeploymentDetails.self).0
            if details != last {
                last = details
                update(details)
            }
            if pollsBeforeStream != Int.max { pollsBeforeStream -= 1 }
        }
        return last
    }

    /// Reads the event stream until `handle` says done or the stream ends. Returns false when
    /// the API has no event stream (404, an older intake).
    private func stream(_ handle: (DeploymentDetails) -> Bool) async throws -> Bool {
        var request = HTTPClientRequest(url: "\(client.baseURL)/v1/deployments/\(id)/events")
        request.headers.add(name: "Authorization", value: "Bearer \(client.token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await HTTPClient.cli.execute(request, timeout: .hours(24))
        guard response.status.code == 200 else {
            _ = try? await response.body.collect(upTo: 1 << 20)
            if response.status.code == 404 || response.status.code == 405 { return false }
            throw APIClient.problem(status: Int(response.status.code), body: Data())
        }
        var parser = ServerSentEventParser()
        for try await buffer in response.body {
            for event in parser.feed(Array(buffer.readableBytesView)) where !event.data.isEmpty {
                guard let details = try? HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(event.data.utf8)) else { continue }
                if handle(details) { return true }
            }
        }
        return true
    }
}

/// Splits a text/event-stream into events (`event:` and `data:` lines, blank line ends one).
struct ServerSentEventParser {
    struct Event: Equatable {
        var name: String
        var data: String
    }

    private var pending: [UInt8] = []
    private var name = ""
    private var data: [String] = []

    mutating func feed(_ bytes: [UInt8]) -> [Event] {
        pending += bytes
        var events: [Event] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty || !name.isEmpty { events.append(Event(name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))) }
                name = ""
                data = []
            } else if line.hasPrefix(":") {
                continue  // a comment (heartbeat)
            } else {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let field = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                if field == "event" { name = value } else if field == "data" { data.append(value) }
            }
        }
        return events
    }
}
