import ArgumentParser
import Foundation

extension Environments {
    /// `hangar environments suspend|resume|release ENV`: the lifecycle actions (admin).
    struct Lifecycle: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The environment's name or id.") var environment: String

        /// Posts the action and prints the lifecycle it left, with what the provider did;
        /// `unconfirmed`: refuse with that usage error instead.
        func perform(_ action: String, unconfirmed: String? = nil) async throws {
            try await reportingErrors {
                if let unconfirmed { throw CLIError.usage(unconfirmed) }
                let client = try connection.client()
                let answer = try await client.send(.POST, "/v1/environments/\(APIClient.segment(environment))/actions/\(action)")
                if connection.json { return printJSON(answer.body) }
                struct Changed: Decodable {
                    var name: String
                    var lifecycle: String
                    var lifecycleReport: [String]?
                }
                let changed = try client.decode(Changed.self, answer.body)
                print("\(changed.name) is \(changed.lifecycle)")
                if action != "suspend" { for line in changed.lifecycleReport ?? [] { print("  \(line)") } }
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suspend", abstract: "Suspend an environment (admin): it refuses deployments until resumed; nothing in the cloud changes.")
        @OptionGroup var target: Lifecycle
        func run() async throws { try await target.perform("suspend") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Resume a suspended or released environment (admin); a released one gets its capacity and servers back.")
        @OptionGroup var target: Lifecycle
        func run() async throws { try await target.perform("resume") }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Release an environment (admin): its instance group to zero and its servers stopped, until resumed.")
        @OptionGroup var target: Lifecycle
        @Flag(help: "Confirm: releasing stops what the environment runs.") var yes = false
        func run() async throws {
            try await target.perform("release", unconfirmed: yes ? nil : "releasing \(target.environment) stops what it runs: add --yes to confirm")
        }
    }
}
