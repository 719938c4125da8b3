import ArgumentParser
import Foundation
import HangarContracts

/// `hangar deploy ENV`: publish a new version now or at a time; `--wait` follows it to the end.
struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a new version of an environment, now or at a time.",
        discussion: """
            With --wait, follows the deployment live and exits 0 when it succeeds, 1 when it fails,
            2 when it is cancelled or rejected.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The environment's name or id.") var environment: String
    @Option(name: .customLong("version"), help: "A version label.") var versionLabel: String?
    @Option(help: "When to start: an RFC 3339 time (2026-12-01T22:00:00Z) or +30s, +10m, +2h from now.") var at: String?
    @Option(help: "optimized (default), standard, keepUsersConnected or requestReconnection.") var mode: String?
    @Flag(help: "Protect the instances from scale-in while deploying.") var lockInstances = false
    @Flag(help: "Stop the preparation server while creating the image.") var stopPreparationServer = false
    @Flag(help: "Terminate user sessions.") var terminateSessions = false
    @Option(help: "With requestReconnection: minutes users get before replacing.") var reconnectMinutes: Int?
    @Option(help: "With requestReconnection: the message users see.") var reconnectMessage: String?
    @Option(help: "An address to email about the deployment (repeatable).") var notify: [String] = []
    @Option(help: "The events that notify (repeatable): started, succeeded, failed, cancelled, scheduled.") var notifyEvent: [String] = []
    @Option(help: "Makes retries of the same request create one deployment.") var idempotencyKey: String?
    @Option(help: "Admin: deploy inside a freeze window anyway, saying why (recorded in the audit log).") var overrideFreeze: String?
    @Flag(help: "Follow the deployment until it ends; the exit code tells how it ended.") var wait = false

    func run() async throws {
        try await reportingErrors {
            let client = try connection.client()
            let body = try requestBody(now: Date())
            var headers: [(String, String)] = []
            if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
            let answer = try await client.send(
                .POST, "/v1/environments/\(APIClient.segment(environment))/deployments",
                body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), headers: headers)
            let accepted = try client.decode(DeploymentDetails.self, answer.body)
            let when = accepted.scheduledAt.map { " for \(Format.date($0))" } ?? ""
            try await Self.report(
                accepted, body: answer.body, as: "Deployment \(Format.id(accepted.id)) \(accepted.status.rawValue)\(when)", client: client,
                json: connection.json, wait: wait)
        }
    }

    /// Prints an accepted deployment (`line`, or the API's JSON) and how to follow it, or with
    /// `wait` follows it to the end and exits as it ended.
    static func report(_ accepted: DeploymentDetails, body: Data, as line: String, client: APIClient, json: Bool, wait: Bool) async throws {
        guard wait else {
            if json { return printJSON(body) }
            print(line)
            print(Style.standard.dim("  follow it: hangar watch \(Format.id(accepted.id))"))
            return
        }
        let final = try await Watch.follow(client: client, id: Format.id(accepted.id), json: json)
        throw ExitStatus.of(final.status)
    }

    /// The API request body from the flags.
    func requestBody(now: Date) throws -> [String: Any] {
        var body: [String: Any] = [:]
        if let versionLabel { body["version"] = versionLabel }
        if let at { body["scheduledAt"] = HangarJSON.formatDate(try Self.parseTime(at, now: now)) }
        if let mode { body["mode"] = mode }
        var options: [String: Any] = [:]
        if lockInstances { options["lockInstances"] = true }
        if stopPreparationServer { options["stopPreparationServer"] = true }
        if terminateSessions { options["terminateSessions"] = true }
        if !options.isEmpty { body["options"] = options }
        if reconnectMinutes != nil || reconnectMessage != nil {
            var reconnection: [String: Any] = [:]
            if let reconnectMinutes { reconnection["minutes"] = reconnectMinutes }
            if let reconnectMessage { reconnection["message"] = reconnectMessage }
            body["reconnection"] = reconnection
        }
        var notification: [String: Any] = [:]
        if !notify.isEmpty { notification["emails"] = notify }
        if !notifyEvent.isEmpty { notification["events"] = notifyEvent }
        if !notification.isEmpty { body["notify"] = notification }
        if let overrideFreeze { body["overrideFreeze"] = ["reason": overrideFreeze] }
        return body
    }

    /// RFC 3339, or `+N` with `s`, `m`, `h` or `d` from `now`.
    static func parseTime(_ text: String, now: Date) throws -> Date {
        if text.hasPrefix("+"), let unit = text.last, let amount = Double(text.dropFirst().dropLast()), amount >= 0 {
            let seconds: Double? = ["s": 1, "m": 60, "h": 3600, "d": 86400][unit]
            if let seconds { return now.addingTimeInterval(amount * seconds) }
        }
        if let date = HangarJSON.parseDate(text) { return date }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        throw CLIError.usage("--at must be an RFC 3339 time (2026-12-01T22:00:00Z) or +30s, +10m, +2h, +1d; got '\(text)'")
    }
}
