import Foundation
import HangarHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The audit log through intake: one entry per write request, whatever its outcome, and never a
/// token.
@Suite("Audit log end to end", .serialized, .timeLimit(.minutes(5)))
struct AuditEndToEndTests {
    struct Entry: Decodable {
        var id: UUID
        var actor: String
        var role: String?
        var action: String
        var method: String
        var path: String
        var environment: String?
        var target: String?
        var requestId: String
        var status: Int
        var outcome: String
        var summary: [String]
    }

    struct Page: Decodable {
        var items: [Entry]
        var nextCursor: String?
    }

    static func entries(_ system: HangarSystem, query: String = "limit=500") async throws -> Page {
        let (data, status) = try await system.request("GET", "/v1/audit?\(query)")
        guard status == 200 else { throw E2EFailure("audit answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try JSONDecoder().decode(Page.self, from: data)
    }

    @Test("every write route of the API document makes exactly one entry, refused and failed ones too; no token text is stored")
    func everyWriteRoute() async throws {
        let system = try await HangarSystem("audit", extraEnvironment: ["HANGAR_SERVER_REQUEST_TIMEOUT_MS": "3000"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("aud")

        // The write operations the API document declares, the environment's deletion last.
        let (documentData, _) = try await system.request("GET", "/openapi.json", token: nil)
        let document = try #require(try JSONSerialization.jsonObject(with: documentData) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var writes: [(method: String, path: String)] = []
        for (path, operations) in paths {
            for method in operations.keys where ["post", "put", "patch", "delete"].contains(method) { writes.append((method.uppercased(), path)) }
        }
        writes.sort {
            ($0.method == "DELETE" && $0.path == "/v1/environments/{env}" ? 1 : 0, $0.path, $0.method) < (
                $1.method == "DELETE" && $1.path == "/v1/environments/{env}" ? 1 : 0, $1.path, $1.method
            )
        }
        #expect(writes.count >= 11, "\(writes)")

        var answered: [String: Int] = [:]
        for (index, write) in writes.enumerated() {
            let concrete = write.path
                .replacingOccurrences(of: "{env}", with: "aud")
                .replacingOccurrences(of: "{server}", with: "i-nothere")
                .replacingOccurrences(of: "{id}", with: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
                .replacingOccurrences(of: "{action}", with: write.path.contains("/servers/") ? "stop" : "suspend")
            let requestId = "audit-test-\(index)"
            let (_, status) = try await system.request(
                write.method, concrete, body: write.method == "DELETE" ? nil : "{}", headers: ["X-Request-Id": requestId])
            answered[requestId] = status
        }

        let all = try await Self.entries(system).items
        for (index, write) in writes.enumerated() {
            let requestId = "audit-test-\(index)"
            let matching = all.filter { $0.requestId == requestId }
            #expect(matching.count == 1, "\(write.method) \(write.path): \(matching.count) entries")
            guard let entry = matching.first else { continue }
            #expect(!entry.action.contains(" "), "\(write.method) \(write.path) has an action name, not \(entry.action)")
            #expect(entry.status == answered[requestId] && entry.method == write.method && entry.actor == "admin" && entry.role == "admin")
            let expected = entry.status < 400 ? "succeeded" : entry.status < 500 ? "refused" : "failed"
            #expect(entry.outcome == expected, "\(entry)")
            if write.path.contains("{env}") { #expect(entry.environment == "aud", "\(entry)") }
        }
        // What each did, as the handlers noted it.
        let byAction = Dictionary(grouping: all, by: \.action)
        #expect(
            byAction["environment.create"]?.contains { $0.outcome == "succeeded" && $0.summary.first?.hasPrefix("created environment aud") == true }
                == true)
        #expect(byAction["environment.suspend"]?.first?.summary == ["lifecycle activated → suspended"], "\(byAction["environment.suspend"] ?? [])")
        #expect(byAction["deployment.submit"]?.first?.outcome != nil)
        #expect(byAction["server.stop"]?.first?.target == "i-nothere")
        #expect(byAction["environment.delete"]?.first?.outcome == "succeeded")

        // Refused before any handler ran: a viewer, and a token no one configured.
        let (_, viewerStatus) = try await system.request(
            "POST", "/v1/environments", token: HangarSystem.viewerToken, body: #"{"name":"nope","provider":"simulated"}"#,
            headers: ["X-Request-Id": "audit-viewer"])
        #expect(viewerStatus == 403)
        let (_, strangerStatus) = try await system.request(
            "DELETE", "/v1/environments/aud", token: "not-a-configured-token-4711", headers: ["X-Request-Id": "audit-stranger"])
        #expect(strangerStatus == 401)
        let (raw, _) = try await system.request("GET", "/v1/audit?limit=500")
        let after = try JSONDecoder().decode(Page.self, from: raw).items
        let viewer = try #require(after.first { $0.requestId == "audit-viewer" })
        #expect(viewer.actor == "viewer" && viewer.outcome == "refused" && viewer.action == "environment.create")
        let stranger = try #require(after.first { $0.requestId == "audit-stranger" })
        #expect(stranger.actor == "unauthenticated" && stranger.role == nil && stranger.status == 401)
        let text = String(decoding: raw, as: UTF8.self)
        for secret in [HangarSystem.adminToken, HangarSystem.deployerToken, HangarSystem.viewerToken, "not-a-configured-token-4711"] {
            #expect(!text.contains(secret), "a token's text is in the audit log")
        }
    }

    @Test("filters, pages newest first, admin only; the request id comes back in the answer, errors too")
    func readingIt() async throws {
        let system = try await HangarSystem("audit-read")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("first")
        try await system.createEnvironment("second")
        _ = try await system.deploy("first")
        _ = try await system.deploy("second")
        _ = try await system.deploy("second")

        let submits = try await Self.entries(system, query: "action=deployment.submit").items
        #expect(submits.count == 3 && submits.allSatisfy { $0.actor == "deployer" })
        #expect(try await Self.entries(system, query: "environment=second").items.count == 2)
        #expect(try await Self.entries(system, query: "actor=admin").items.map(\.action) == ["environment.create", "environment.create"])

        var seen: [UUID] = []
        var cursor: String?
        repeat {
            let page = try await Self.entries(system, query: "limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.count == 5 && Set(seen).count == 5)
        #expect(seen == seen.sorted { $0.uuidString.lowercased() > $1.uuidString.lowercased() }, "newest first")

        let (_, deployerReads) = try await system.request("GET", "/v1/audit", token: HangarSystem.deployerToken)
        #expect(deployerReads == 403)
        let (_, badCursor) = try await system.request("GET", "/v1/audit?cursor=yesterday")
        #expect(badCursor == 422)

        for (body, expected) in [(#"{"name":"third","provider":"simulated"}"#, 201), (#"{"name":"third","provider":"simulated"}"#, 409)] {
            var request = URLRequest(url: URL(string: system.baseURL + "/v1/environments")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(HangarSystem.adminToken)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("trace-me-\(expected)", forHTTPHeaderField: "X-Request-Id")
            request.httpBody = Data(body.utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == expected)
            #expect(http.value(forHTTPHeaderField: "X-Request-Id") == "trace-me-\(expected)")
        }
        let conflict = try await Self.entries(system, query: "action=environment.create").items.first { $0.requestId == "trace-me-409" }
        #expect(conflict?.outcome == "refused" && conflict?.status == 409)
    }
}
