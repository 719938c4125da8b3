import ArgumentParser
import Foundation

/// `hangar audit`: who changed what through the API, newest first (admin).
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit log: every write request through the API, newest first (admin).")

    @Option(help: "Only this token name's requests (`unauthenticated` for none).") var actor: String?
    @Option(help: "Only requests on this environment (as named in the path).") var environment: String?
    @Option(help: "Only this action, e.g. deployment.submit, environment.release, server.stop.") var action: String?
    @Option(help: "Only requests at or after this RFC 3339 time.") var since: String?
    @Option(help: "Entries to show (1…500).") var limit: Int = 50
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            var items = [URLQueryItem(name: "limit", value: String(limit))]
            for (name, value) in [("actor", actor), ("environment", environment), ("action", action), ("since", since)] {
                if let value { items.append(URLQueryItem(name: name, value: value)) }
            }
            var components = URLComponents()
            components.queryItems = items
            let answer = try await connection.client().send(.GET, "/v1/audit?\(components.percentEncodedQuery ?? "")")
            if connection.json { return printJSON(answer.body) }
            let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            let entries = object?["items"] as? [[String: Any]] ?? []
            var table = Table("AT", "ACTOR", "ACTION", "ENVIRONMENT", "TARGET", "STATUS", "WHAT")
            for entry in entries {
                table.add(
                    entry["at"] as? String ?? "", entry["actor"] as? String ?? "", entry["action"] as? String ?? "",
                    entry["environment"] as? String ?? "", entry["target"] as? String ?? "",
                    "\(entry["status"] as? Int ?? 0) \(entry["outcome"] as? String ?? "")",
                    (entry["summary"] as? [String] ?? []).joined(separator: "; "))
            }
            print(table.render(style: Style.standard))
            if object?["nextCursor"] is String { print("(older entries: raise --limit or use --since)") }
        }
    }
}
