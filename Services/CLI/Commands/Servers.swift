import ArgumentParser
import Foundation
import HangarContracts

/// `hangar servers ENV`, `hangar servers start|stop|restart ENV SERVER` and
/// `hangar servers shutdown ENV SERVER --at TIME [--notify EMAIL…] | --cancel`, `hangar servers
/// shutdowns ENV` (the shutdown history), `hangar servers connect ENV SERVER`.
struct Servers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "servers",
        abstract:
            "List an environment's servers; start, stop or restart one; schedule, move or cancel its shutdown, and see what became of them; connect to one.",
        subcommands: [List.self, Start.self, Stop.self, Restart.self, Shutdown.self, Shutdowns.self, Connect.self], defaultSubcommand: List.self)

    struct Listing: Decodable {
        var environment: String
        var items: [ServerInfo]
        var worker: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "The preparation and support servers, as the provider reports them.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String

        func run() async throws {
            try await reportingErrors {
                let (listing, raw) = try await connection.client().get("/v1/environments/\(APIClient.segment(environment))/servers", as: Listing.self)
                if connection.json { return printJSON(raw) }
                var table = Table("NAME", "ROLE", "ID", "STATUS", "MODEL", "HEALTH", "PUBLIC IP", "PRIVATE IP", "SHUTDOWN")
                for server in listing.items {
                    table.add(
                        server.name, server.role.rawValue, server.id, server.status, server.modelVersion ?? "", server.health ?? "",
                        server.publicIP ?? "",
                        server.privateIP ?? "", Servers.describe(server.scheduledShutdown))
                }
                print(listing.items.isEmpty ? "No servers reported" : table.render(style: Style.standard))
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a server (deployer).")
        @OptionGroup var target: ServerArguments
        func run() async throws { try await target.act(.start) }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a server (deployer).")
        @OptionGroup var target: ServerArguments
        func run() async throws { try await target.act(.stop) }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart a server (deployer).")
        @OptionGroup var target: ServerArguments
        func run() async throws { try await target.act(.restart) }
    }

    struct Shutdown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shutdown", abstract: "Schedule a server's shutdown, move it to another time, or cancel it (deployer).")
        @OptionGroup var target: ServerArguments
        @Option(help: "When to stop it: an RFC 3339 time (2026-12-01T22:00:00Z) or +30m, +2h, +1d from now.") var at: String?
        @Flag(help: "Cancel the scheduled shutdown.") var cancel = false
        @Option(help: "An email address told when the server was stopped or could not be (repeat for more).") var notify: [String] = []

        func validate() throws {
            guard (at == nil) != !cancel else { throw ValidationError("give either --at TIME or --cancel") }
            if cancel && !notify.isEmpty { throw ValidationError("--notify goes with --at, not --cancel") }
        }

        func run() async throws {
            try await reportingErrors {
                let client = try target.connection.client()
                let path = "\(target.path)/shutdown"
                if cancel {
                    _ = try await client.send(.DELETE, path)
                    if !target.connection.json { print("Shutdown of \(target.server) cancelled") }
                    return
                }
                let time = try Deploy.parseTime(at ?? "", now: Date())
                var fields: [String: Any] = ["at": HangarJSON.formatDate(time)]
                if !notify.isEmpty { fields["notify"] = notify }
                let body = try JSONSerialization.data(withJSONObject: fields)
                let answer = try await client.send(.PUT, path, body: body)
                if target.connection.json { return printJSON(answer.body) }
                let server = try client.decode(ServerInfo.self, answer.body)
                print("\(server.name) (\(server.id)) stops \(Servers.describe(server.scheduledShutdown))")
            }
        }
    }

    struct History: Decodable {
        var environment: String
        var items: [ServerShutdownEvent]
    }

    struct Shutdowns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shutdowns", abstract: "The environment's scheduled server stops, each turn, newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String

        func run() async throws {
            try await reportingErrors {
                let (history, raw) = try await connection.client().get(
                    "/v1/environments/\(APIClient.segment(environment))/shutdowns", as: History.self)
                if connection.json { return printJSON(raw) }
                var table = Table("AT", "SERVER", "WHAT", "DUE", "BY", "ATTEMPT", "DETAIL")
                for event in history.items {
                    let detail = event.error ?? event.serverStatus.map { "now \($0)" } ?? ""
                    table.add(
                        Format.date(event.at), event.serverName == event.serverId ? event.serverId : "\(event.serverName) (\(event.serverId))",
                        event.status.rawValue, event.dueAt.map(Format.date) ?? "", event.requestedBy, "\(event.attempt)", detail)
                }
                print(history.items.isEmpty ? "No scheduled shutdowns yet" : table.render(style: Style.standard))
            }
        }
    }

    static func describe(_ shutdown: ScheduledShutdown?) -> String {
        guard let shutdown else { return "" }
        let failures = shutdown.failedAttempts > 0 ? " (\(shutdown.failedAttempts) failed: \(shutdown.lastError ?? "?"))" : ""
        return "at \(Format.date(shutdown.at))\(failures)"
    }
}

/// The environment and server an action names.
struct ServerArguments: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The environment's name or id.") var environment: String
    @Argument(help: "The server's id (see hangar servers ENV).") var server: String

    var path: String { "/v1/environments/\(APIClient.segment(environment))/servers/\(APIClient.segment(server))" }

    func act(_ action: ServerAction) async throws {
        try await reportingErrors {
            let client = try connection.client()
            let answer = try await client.send(.POST, "\(path)/actions/\(action.rawValue)")
            if connection.json { return printJSON(answer.body) }
            let server = try client.decode(ServerInfo.self, answer.body)
            print("\(server.name) (\(server.id)): \(server.status)")
        }
    }
}
