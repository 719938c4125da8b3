import ArgumentParser
import Foundation
import HangarContracts

/// `hangar approve ID [--comment TEXT]`.
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve a deployment that awaits approval: it goes on to replace the instances.",
        discussion: "Exits 0 when the approval is accepted, 3 when it is refused (not awaiting approval, or your own deployment "
            + "when its environment requires a different approver).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String
    @Option(help: "Why, for the history and the emails (at most 1000 characters).") var comment: String?

    func run() async throws {
        try await Decision.send(approve: true, id: id, comment: comment, connection: connection)
    }
}

/// `hangar reject ID [--comment TEXT]`.
struct Reject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reject a deployment that awaits approval: it ends rejected and its new models are undone.",
        discussion: "Exits 0 when the rejection is accepted, 3 when it is refused (not awaiting approval).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String
    @Option(help: "Why, for the history and the emails (at most 1000 characters).") var comment: String?

    func run() async throws {
        try await Decision.send(approve: false, id: id, comment: comment, connection: connection)
    }
}

/// What `approve` and `reject` share: the request and its report.
enum Decision {
    static func send(approve: Bool, id: String, comment: String?, connection: ConnectionOptions) async throws {
        try await reportingErrors {
            let client = try connection.client()
            var body: [String: JSONValue] = [:]
            if let comment { body["comment"] = .string(comment) }
            let answer = try await client.send(
                .POST, "/v1/deployments/\(APIClient.segment(id.lowercased()))/\(approve ? "approve" : "reject")",
                body: try HangarJSON.encoder.encode(body))
            if connection.json { return printJSON(answer.body) }
            print("\(approve ? "Approved" : "Rejected") \(id.lowercased()); follow it with: hangar watch \(id.lowercased())")
        }
    }
}
