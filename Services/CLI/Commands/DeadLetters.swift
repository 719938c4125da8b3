import ArgumentParser
import Foundation
import HangarContracts

/// `hangar dead-letters [list]`, `hangar dead-letters replay ID` and `hangar dead-letters purge ID`
/// (admin).
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List the messages no consumer could process; replay one to its queue, or purge it (admin).",
        subcommands: [List.self, Replay.self, Purge.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The dead letters kept, newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only those taken from this queue (e.g. hangar.steps).") var queue: String?
        @Option(help: "At most this many (1-500).") var limit: Int = 100

        func run() async throws {
            try await reportingErrors {
                var path = "/v1/dead-letters?limit=\(limit)"
                if let queue { path += "&queue=\(APIClient.segment(queue))" }
                let (list, raw) = try await connection.client().get(path, as: DeadLetterList.self)
                if connection.json { return printJSON(raw) }
                var table = Table("ID", "QUEUE", "TYPE", "FIRST SEEN", "REPLAYS", "REASON")
                for letter in list.items {
                    table.add(
                        letter.id, letter.queue, letter.messageType ?? "", HangarJSON.formatDate(letter.firstSeenAt), "\(letter.replays)",
                        letter.reason)
                }
                print(list.items.isEmpty ? "No dead letters" : table.render(style: Style.standard))
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay", abstract: "Publish a dead letter's message to its queue again; one still bad comes back with its new reason.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The dead letter's id (from `hangar dead-letters`).") var id: String

        func run() async throws {
            try await reportingErrors {
                let answer = try await connection.client().send(.POST, "/v1/dead-letters/\(APIClient.segment(id))/replay")
                if connection.json { return printJSON(answer.body) }
                print("Replay of \(id) accepted")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purge", abstract: "Forget a dead letter without processing it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The dead letter's id (from `hangar dead-letters`).") var id: String

        func run() async throws {
            try await reportingErrors {
                let answer = try await connection.client().send(.DELETE, "/v1/dead-letters/\(APIClient.segment(id))")
                if connection.json { return printJSON(answer.body) }
                print("Purge of \(id) accepted")
            }
        }
    }
}
