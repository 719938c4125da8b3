import ArgumentParser
import Foundation
import HangarContracts

/// `hangar environments [list|show|create|delete|suspend|resume|release]`.
struct Environments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "environments", abstract: "List, show, create and delete environments; suspend, resume and release them.",
        subcommands: [List.self, ShowOne.self, Create.self, Delete.self, Suspend.self, Resume.self, Release.self], defaultSubcommand: List.self,
        aliases: ["env", "envs"])

    /// The fields of an environment the CLI shows.
    struct Environment: Decodable {
        var id: UUID
        var name: String
        var description: String?
        var provider: String
        var lifecycle: String?
        var instanceType: String?
        var region: String?
        var maxInstances: Int?
        var updatedAt: Date?
    }

    struct Page: Decodable { var items: [Environment] }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the environments.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let (page, raw) = try await connection.client().get("/v1/environments", as: Page.self)
                if connection.json { return printJSON(raw) }
                let style = Style.standard
                var table = Table("NAME", "PROVIDER", "LIFECYCLE", "REGION", "INSTANCE TYPE", "DESCRIPTION")
                for environment in page.items {
                    table.add(
                        environment.name, environment.provider, environment.lifecycle ?? "", environment.region ?? "",
                        environment.instanceType ?? "", environment.description ?? "")
                }
                print(page.items.isEmpty ? "No environments yet: hangar environments create NAME" : table.render(style: style))
            }
        }
    }

    struct ShowOne: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one environment (JSON).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String

        func run() async throws {
            try await reportingErrors {
                let answer = try await connection.client().send(.GET, "/v1/environments/\(APIClient.segment(environment))")
                printJSON(answer.body, pretty: !connection.json)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an environment (admin).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "A unique name: lowercase letters, digits and dashes.") var name: String
        @Option(help: "aws, or simulated (deploys nothing to a cloud).") var provider: String
        @Option(help: "The provider's target settings, as a JSON object.") var target = "{}"
        @Option(help: "What it is.") var description: String?
        @Option(help: "Approval before replacing instances, as JSON: {\"required\": true, \"approvers\": [\"lead@example.com\"]}.")
        var approval: String?
        @Option(help: "Health-gated replacement, as JSON: {\"batchPercent\": 50, \"onFailure\": \"rollback\"}.")
        var replacement: String?

        func run() async throws {
            try await reportingErrors {
                guard let targetObject = try? JSONSerialization.jsonObject(with: Data(target.utf8)) as? [String: Any] else {
                    throw CLIError.usage("--target must be a JSON object")
                }
                var body: [String: Any] = ["name": name, "provider": provider, "target": targetObject]
                if let description { body["description"] = description }
                for (option, value) in [("approval", approval), ("replacement", replacement)] {
                    guard let value else { continue }
                    guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else {
                        throw CLIError.usage("--\(option) must be a JSON object")
                    }
                    body[option] = object
                }
                let answer = try await connection.client().send(.POST, "/v1/environments", body: try JSONSerialization.data(withJSONObject: body))
                if connection.json { return printJSON(answer.body) }
                let created = try connection.client().decode(Environment.self, answer.body)
                print("Created environment \(created.name) (\(Format.id(created.id)))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an environment (admin; irreversible).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String
        @Flag(help: "Confirm: deleting cannot be undone.") var yes = false

        func run() async throws {
            try await reportingErrors {
                guard yes else { throw CLIError.usage("deleting \(environment) cannot be undone: add --yes to confirm") }
                _ = try await connection.client().send(.DELETE, "/v1/environments/\(APIClient.segment(environment))")
                if !connection.json { print("Deleted environment \(environment)") }
            }
        }
    }
}

/// Prints JSON as the API sent it, or indented.
func printJSON(_ data: Data, pretty: Bool = false) {
    if pretty, let object = try? JSONSerialization.jsonObject(with: data),
        let indented = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    {
        print(String(decoding: indented, as: UTF8.self))
    } else {
        print(String(decoding: data, as: UTF8.self))
    }
}
