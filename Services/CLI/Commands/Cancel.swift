import ArgumentParser
import Foundation
import HangarContracts

/// `hangar cancel ID`.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a deployment: scheduled or queued at once, running before its next step.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String

    func run() async throws {
        try await reportingErrors {
            let client = try connection.client()
            let answer = try await client.send(.POST, "/v1/deployments/\(APIClient.segment(id.lowercased()))/cancel")
            if connection.json { return printJSON(answer.body) }
            let details = try? client.decode(DeploymentDetails.self, answer.body)
            print("Cancel requested for \(id.lowercased())\(details.map { " (\($0.status.rawValue))" } ?? "")")
        }
    }
}
