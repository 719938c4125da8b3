import ArgumentParser
import Foundation
import HangarContracts

/// `hangar freezes [list] [ENV]`, `hangar freezes create [ENV] …` and `hangar freezes delete ID`.
struct Freezes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freezes",
        abstract: "Freeze windows: periods in which deployments are refused (an admin may override one, saying why).",
        subcommands: [List.self, Create.self, Delete.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every window, or those that apply to an environment.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Only the windows that apply to this environment (its own and every environment's).") var environment: String?

        func run() async throws {
            try await reportingErrors {
                let path = environment.map { "/v1/environments/\(APIClient.segment($0))/freezes" } ?? "/v1/freezes"
                let answer = try await connection.client().send(.GET, path)
                if connection.json { return printJSON(answer.body) }
                let items = ((try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                var table = Table("ID", "APPLIES TO", "WHEN", "SCHEDULED", "NOW", "REASON")
                for item in items {
                    table.add(
                        item["id"] as? String ?? "", (item["environmentId"] as? String) ?? "every environment", Self.when(item),
                        item["scheduled"] as? String ?? "", (item["activeUntil"] as? String).map { "frozen until \($0)" } ?? "",
                        item["reason"] as? String ?? "")
                }
                print(items.isEmpty ? "No freeze windows" : table.render(style: Style.standard))
            }
        }

        static func when(_ item: [String: Any]) -> String {
            if let start = item["start"] as? String, let end = item["end"] as? String { return "\(start) – \(end)" }
            guard let weekly = item["weekly"] as? [String: Any] else { return "" }
            let days = (weekly["days"] as? [String] ?? []).joined(separator: ",")
            return "\(days) \(weekly["from"] as? String ?? "")–\(weekly["to"] as? String ?? "") \(item["timeZone"] as? String ?? "UTC")"
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Freeze an environment, or every one: from --start to --end, or --weekly DAYS --from HH:MM --to HH:MM (admin).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment to freeze; none: every environment.") var environment: String?
        @Option(help: "Why (shown to whoever is refused).") var reason: String
        @Option(help: "A one-off window's start (RFC 3339).") var start: String?
        @Option(help: "A one-off window's end (RFC 3339).") var end: String?
        @Option(help: "A weekly window's days, e.g. MON,TUE,WED,THU,FRI.") var weekly: String?
        @Option(help: "A weekly window's local start, HH:MM.") var from: String?
        @Option(help: "A weekly window's local end, HH:MM (not after --from: past midnight).") var to: String?
        @Option(help: "The weekly window's IANA time zone (default UTC).") var timeZone: String?
        @Option(help: "A deployment scheduled inside: defer (moved past the window) or skip (refused).") var scheduled: String?

        func run() async throws {
            try await reportingErrors {
                var body: [String: Any] = ["reason": reason]
                if let start { body["start"] = start }
                if let end { body["end"] = end }
                if let weekly {
                    body["weekly"] = [
                        "days": weekly.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() },
                        "from": from ?? "", "to": to ?? "",
                    ]
                }
                if let timeZone { body["timeZone"] = timeZone }
                if let scheduled { body["scheduled"] = scheduled }
                let path = environment.map { "/v1/environments/\(APIClient.segment($0))/freezes" } ?? "/v1/freezes"
                let answer = try await connection.client().send(.POST, path, body: try JSONSerialization.data(withJSONObject: body))
                if connection.json { return printJSON(answer.body) }
                let created = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
                print(
                    "Freeze \(created?["id"] as? String ?? "") created\((created?["activeUntil"] as? String).map { "; frozen now, until \($0)" } ?? "")"
                )
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a freeze window (admin).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The window's id (from `hangar freezes`).") var id: String

        func run() async throws {
            try await reportingErrors {
                _ = try await connection.client().send(.DELETE, "/v1/freezes/\(APIClient.segment(id))")
                if !connection.json { print("Freeze \(id) deleted") }
            }
        }
    }
}
