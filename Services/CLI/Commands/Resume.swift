import ArgumentParser
import Foundation
import HangarContracts

/// `hangar resume ID [--roll-back]`.
struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resume a rollout a failed health gate paused (past that gate), or roll it back with --roll-back.",
        discussion: "Exits 0 when the decision is accepted, 3 when it is refused (the deployment is not paused).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String
    @Flag(help: "Roll the replaced instances back to the model they ran before instead.") var rollBack = false

    func run() async throws {
        try await reportingErrors {
            let client = try connection.client()
            let answer = try await client.send(.POST, "/v1/deployments/\(APIClient.segment(id.lowercased()))/\(rollBack ? "rollback" : "resume")")
            if connection.json { return printJSON(answer.body) }
            print("\(rollBack ? "Rolling back" : "Resumed") \(id.lowercased()); follow it with: hangar watch \(id.lowercased())")
        }
    }
}
