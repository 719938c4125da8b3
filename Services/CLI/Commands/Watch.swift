import ArgumentParser
import Foundation
import HangarContracts

/// `hangar watch ID`: the live step view until the deployment ends.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a deployment live until it ends.",
        discussion: "Exits 0 when it succeeds, 1 when it fails, 2 when it is cancelled or rejected.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String

    func run() async throws {
        try await reportingErrors {
            let final = try await Self.follow(client: try connection.client(), id: id.lowercased(), json: connection.json)
            throw ExitStatus.of(final.status)
        }
    }

    /// Shows the deployment's progress until it ends (with `json`, prints the final details).
    static func follow(client: APIClient, id: String, json: Bool) async throws -> DeploymentDetails {
        var view = DeploymentView(style: Style.standard)
        let events = DeploymentEvents(client: client, id: id)
        let final = try await events.follow(
            until: { $0.status.isTerminal },
            { details in
                if !json { view.update(details) }
            })
        if json { printJSON(try HangarJSON.encoder.encode(final)) }
        return final
    }
}
