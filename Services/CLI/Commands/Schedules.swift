import ArgumentParser
import AsyncHTTPClient
import Foundation
import HangarContracts
import NIOHTTP1

/// `hangar schedules [list] ENV`, `hangar schedules create ENV --cron … --time-zone …`, and
/// `hangar schedules pause|resume|delete ENV ID`.
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "Recurring schedules: a deployment submitted at each occurrence of a cron in a time zone.",
        subcommands: [List.self, Create.self, Pause.self, Resume.self, Delete.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "An environment's schedules and their next runs.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String

        func run() async throws {
            try await reportingErrors {
                let answer = try await connection.client().send(.GET, "/v1/environments/\(APIClient.segment(environment))/schedules")
                if connection.json { return printJSON(answer.body) }
                let items = ((try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                var table = Table("ID", "CRON", "TIME ZONE", "STATE", "MISFIRE", "NEXT RUNS")
                for item in items {
                    let next = (item["nextOccurrences"] as? [String] ?? []).prefix(3).joined(separator: ", ")
                    let state = item["active"] as? Bool == true ? "active" : item["enabled"] as? Bool == true ? "environment inactive" : "paused"
                    table.add(
                        item["id"] as? String ?? "", item["cron"] as? String ?? "", item["timeZone"] as? String ?? "", state,
                        item["misfire"] as? String ?? "", next)
                }
                print(items.isEmpty ? "No schedules" : table.render(style: Style.standard))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Deploy on a rhythm, e.g. --cron '0 3 * * SUN' --time-zone Europe/Paris (deployer).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String
        @Option(help: "Five fields (minute hour day-of-month month day-of-week), or six with leading seconds.") var cron: String
        @Option(help: "An IANA time zone, e.g. Europe/Paris.") var timeZone: String
        @Option(help: "The version each run deploys; {date} and {time} are the run's (e.g. nightly-{date}).") var version: String?
        @Option(help: "The publish mode (optimized, standard, requestReconnection, terminateSessions, keepUsersConnected).") var mode: String?
        @Option(help: "An email address told of each run (repeat for more).") var notify: [String] = []
        @Option(help: "A run fired late (the scheduler was down): skip (default) or runOnce.") var misfire: String?
        @Flag(help: "Create it paused.") var paused = false

        func run() async throws {
            try await reportingErrors {
                var deployment: [String: Any] = [:]
                if let version { deployment["version"] = version }
                if let mode { deployment["mode"] = mode }
                if !notify.isEmpty { deployment["notify"] = ["emails": notify] }
                var body: [String: Any] = ["cron": cron, "timeZone": timeZone, "deployment": deployment, "enabled": !paused]
                if let misfire { body["misfire"] = misfire }
                let answer = try await connection.client().send(
                    .POST, "/v1/environments/\(APIClient.segment(environment))/schedules", body: try JSONSerialization.data(withJSONObject: body))
                if connection.json { return printJSON(answer.body) }
                let created = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
                let next = (created?["nextOccurrences"] as? [String])?.first.map { "; next run \($0)" } ?? ""
                print("Schedule \(created?["id"] as? String ?? "") created\(next)")
            }
        }
    }

    /// The environment and schedule an action names.
    struct Target: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String
        @Argument(help: "The schedule's id (from `hangar schedules ENV`).") var id: String

        var path: String { "/v1/environments/\(APIClient.segment(environment))/schedules/\(APIClient.segment(id))" }

        func act(_ method: HTTPMethod, _ suffix: String, done: String) async throws {
            try await reportingErrors {
                let answer = try await connection.client().send(method, path + suffix)
                if connection.json && !answer.body.isEmpty { return printJSON(answer.body) }
                if !connection.json { print("Schedule \(id) \(done)") }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a schedule (deployer).")
        @OptionGroup var target: Target
        func run() async throws { try await target.act(.POST, "/pause", done: "paused") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused schedule (deployer).")
        @OptionGroup var target: Target
        func run() async throws { try await target.act(.POST, "/resume", done: "resumed") }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete a schedule (deployer); what it deployed stays in the history.")
        @OptionGroup var target: Target
        func run() async throws { try await target.act(.DELETE, "", done: "deleted") }
    }
}
