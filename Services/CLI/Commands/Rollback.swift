import ArgumentParser
import Foundation
import HangarContracts

/// `hangar rollback ENV`: return an environment to an earlier release; `--wait` follows it to the end.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Return an environment to an earlier release.",
        discussion: """
            Without --to, returns to the release before the one whose version runs now. The
            rollback makes that release's model the default again and replaces the instances with
            it; it makes no image and leaves the preparation server alone. The API refuses it
            (exit 3) when there is nothing to return to or a deployment of the environment is
            queued or running. With --wait, follows it live and exits 0 when it succeeds, 1 when
            it fails, 2 when it is cancelled or rejected.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The environment's name or id.") var environment: String
    @Option(help: "The succeeded deployment to return to (default: the release before the running one).") var to: String?
    @Option(help: "optimized (default), standard, keepUsersConnected or requestReconnection.") var mode: String?
    @Flag(help: "Protect the instances from scale-in while replacing them.") var lockInstances = false
    @Flag(help: "Terminate user sessions.") var terminateSessions = false
    @Option(help: "An address to email about the rollback (repeatable).") var notify: [String] = []
    @Option(help: "Makes retries of the same request create one rollback.") var idempotencyKey: String?
    @Option(help: "Admin: roll back inside a freeze window anyway, saying why (recorded in the audit log).") var overrideFreeze: String?
    @Flag(help: "Follow the rollback until it ends; the exit code tells how it ended.") var wait = false

    func run() async throws {
        try await reportingErrors {
            let client = try connection.client()
            var headers: [(String, String)] = []
            if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
            let answer = try await client.send(
                .POST, "/v1/environments/\(APIClient.segment(environment))/rollbacks",
                body: try JSONSerialization.data(withJSONObject: requestBody(), options: [.sortedKeys]), headers: headers)
            let accepted = try client.decode(DeploymentDetails.self, answer.body)
            let target = accepted.rollback.map { " to version \($0.version) (from \($0.fromVersion))" } ?? ""
            try await Deploy.report(
                accepted, body: answer.body, as: "Rollback \(Format.id(accepted.id))\(target) \(accepted.status.rawValue)", client: client,
                json: connection.json, wait: wait)
        }
    }

    /// The API request body from the flags.
    func requestBody() -> [String: Any] {
        var body: [String: Any] = [:]
        if let to { body["to"] = to }
        if let mode { body["mode"] = mode }
        var options: [String: Any] = [:]
        if lockInstances { options["lockInstances"] = true }
        if terminateSessions { options["terminateSessions"] = true }
        if !options.isEmpty { body["options"] = options }
        if !notify.isEmpty { body["notify"] = ["emails": notify] }
        if let overrideFreeze { body["overrideFreeze"] = ["reason": overrideFreeze] }
        return body
    }
}
