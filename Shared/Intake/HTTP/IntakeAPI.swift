import AMQPClient
import Foundation
import HTTPTypes
import HangarContracts
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarStorage
import Hummingbird
import Logging
import Tracing

/// HTTP API v1's rules and stores: what every operation of `openapi.yaml` does, called by the
/// generated operations (``IntakeOperations``), and the routes still made by hand
/// (``handMadeOperations``; docs/api.md, "How the routes are made").
struct IntakeAPI: Sendable {
    let intake: IntakeStore
    let history: HistoryQueries
    let bus: MessageBus
    /// `intake_outbox`: each submission's message, written with it (``IntakeStore/accept(_:idempotencyKey:outbox:traceParent:)``).
    let outbox: TransactionalOutbox
    let auth: Authenticator
    /// `/health/live` and `/health/ready`, also served on the metrics port.
    let health: Health
    let logger: Logger
    /// Live streams, queue statistics, server requests and the console (IntakeAPI+Live.swift).
    let live: LiveServices
    /// The dead letters the recorder keeps (IntakeAPI+DeadLetters.swift).
    let deadLetters: DeadLetterStore
    /// The workers' latest statuses, kept by the recorder (IntakeAPI+Workers.swift).
    let workers: WorkerDirectory
    /// The API document (`openapi.yaml`), served at `GET /openapi.json`.
    let document: OpenAPIDocument

    /// The routes intake serves but the API document leaves out on purpose: the console's
    /// files and the redirect to it (not part of the API contract).
    static let undocumentedRoutes: Set<OpenAPIDocument.Operation> = [
        .init(method: "GET", path: "/"), .init(method: "GET", path: "/console"), .init(method: "GET", path: "/console/**"),
    ]

    /// The operations of `openapi.yaml` served by the hand-made routes here rather than
    /// generated (`IntakeOperations`), each for a reason docs/api.md gives: the health checks
    /// (on the metrics port too), the document itself, the event streams, and the three lists
    /// whose query is checked field by field, and one deployment (written without `Codable`).
    static let handMadeOperations: Set<String> = [
        "getLiveness", "getReadiness", "getOpenAPIDocument", "streamDeploymentEvents", "streamEnvironmentEvents", "listDeployments",
        "listDeadLetters", "listAuditEntries", "getDeployment",
    ]

    func addRoutes(to router: DocumentedRouter<BasicRequestContext>) {
        health.addRoutes(to: router)
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: document.json)))
        }

        let v1 = router.group("v1")
        v1.get("environments/:env/deployments") { request, context in try await list(request, context) }
        v1.get("deployments/:id") { request, context in try await details(request, context) }
        addDeadLetterRoutes(to: v1)
        addAuditRoutes(to: v1)
        addLiveRoutes(to: router)
    }

    // MARK: Environments

    func environment(_ context: BasicRequestContext) async throws -> EnvironmentResource {
        try await environment(context.parameters.get("env") ?? "")
    }

    /// The environment with the id or name `key`, or a 404 problem.
    func environment(_ key: String) async throws -> EnvironmentResource {
        guard let environment = try await intake.environment(key) else {
            throw Problem(
                .notFound, title: "Unknown environment", detail: "no environment has the id or name '\(key)'",
                errors: [.init(field: "environment", message: "unknown environment '\(key)'")])
        }
        return environment
    }

    /// Creates the environment `body` describes (admin), or throws the problem to answer.
    func createEnvironment(_ body: [String: JSONValue]) async throws -> EnvironmentResource {
        let now = Date()
        var environment = EnvironmentResource(
            id: UUID.v7(at: now), name: "", description: "", provider: "simulated", target: [:], limits: .init(), lifecycle: .activated,
            createdAt: now, updatedAt: now)
        let errors = EnvironmentRequest.apply(body, to: &environment, creating: true)
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        guard try await intake.insert(environment) else {
            throw Problem(
                .conflict, title: "Name taken", detail: "an environment named '\(environment.name)' exists",
                errors: [.init(field: "name", message: "is already used")])
        }
        AuditNotes.note("created environment \(environment.name) (\(environment.id.lowercasedString)) on \(environment.provider)")
        return environment
    }

    /// Applies `body` to the environment `key` (admin), and sends its schedules again.
    func updateEnvironment(_ key: String, _ body: [String: JSONValue], by caller: Caller) async throws -> EnvironmentResource {
        var environment = try await environment(key)
        let errors = EnvironmentRequest.apply(body, to: &environment, creating: false)
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        if let other = try await intake.environment(environment.name), other.id != environment.id {
            throw Problem(.conflict, title: "Name taken", errors: [.init(field: "name", message: "is already used")])
        }
        environment.updatedAt = Date()
        try await intake.update(environment)
        // The schedules' occurrences deploy with the environment as it now is.
        try await resendSchedules(of: environment, by: caller.name)
        // Which fields, never their values: a target or a webhook may hold what only admins see.
        AuditNotes.note("changed \(body.keys.sorted().joined(separator: ", ")) of \(environment.name)")
        return environment
    }

    /// Deletes the environment `key` (admin), with its server shutdowns and schedules.
    func deleteEnvironment(_ key: String, by caller: Caller) async throws {
        let environment = try await environment(key)
        try await intake.delete(environment.id)
        try await cancelShutdowns(of: environment, by: "deletion by \(caller.name)")
        try await resendSchedules(of: environment, by: caller.name, deleted: true)
        AuditNotes.note("deleted environment \(environment.name) (\(environment.id.lowercasedString))")
    }

    // MARK: Deployments

    /// Submits the deployment `body` asks for to the environment `key`, or throws the problem
    /// to answer; answers what was accepted (the earlier one for a repeated `idempotencyKey`).
    func submit(_ body: [String: JSONValue], to key: String, by caller: Caller, idempotencyKey: String?) async throws -> DeploymentDetails {
        let environment = try await environment(key)
        let now = Date()
        let accepted: DeploymentRequest
        switch DeploymentRequest.validate(body, now: now) {
        case .success(let value): accepted = value
        case .failure(let problem): throw problem
        }
        guard environment.lifecycle == .activated else {
            throw Problem(.conflict, title: "Environment not active", detail: "the environment is \(environment.lifecycle.rawValue)")
        }
        try ApprovalChoices.check(environment: environment.approval, deployment: accepted.approval)
        let scheduledAt = try await freezeCheck(accepted, environment: environment, caller: caller, now: now)
        if accepted.mode == .requestReconnection { try await reconnectionQuotaCheck(environment) }
        let submission = Self.submission(accepted, to: environment, owner: caller.name, now: now, scheduledAt: scheduledAt)
        let (stored, new) = try await accept(submission, idempotencyKey: idempotencyKey)
        let summary = Self.accepted(stored)
        AuditNotes.note(
            "\(new ? "submitted" : "the same Idempotency-Key again: answered with") deployment \(summary.id.lowercasedString)"
                + " (\(stored.mode.rawValue)\(stored.version.map { ", version \($0)" } ?? "")"
                + "\(stored.scheduledAt.map { ", scheduled at \(HangarJSON.formatDate($0))" } ?? ""))")
        return summary
    }

    /// Stores `submission` with its `deployment.submit` in the outbox, under the request's
    /// `Idempotency-Key`, and publishes it (durable with the commit; published now, or by the
    /// relay if the broker does not confirm it). Answers what is stored under the key, and
    /// whether it is `submission` (`false`: the same key again, the earlier one answered).
    func accept(_ submission: SubmitDeployment, idempotencyKey: String?) async throws -> (stored: SubmitDeployment, new: Bool) {
        let idempotencyKey = idempotencyKey.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        let (stored, entry) = try await intake.accept(
            submission, idempotencyKey: idempotencyKey, outbox: outbox, traceParent: ServiceContext.current.flatMap(TraceHeaders.traceParent(of:)))
        if let entry { await outbox.publish([entry]) }
        return (stored, entry != nil)
    }

    /// The `deployment.submit` for an accepted request to `environment`: the environment's
    /// provider, target, quota, notification choices and webhooks as they are now.
    static func submission(
        _ accepted: DeploymentRequest, to environment: EnvironmentResource, owner: String, now: Date, scheduledAt: Date?
    ) -> SubmitDeployment {
        SubmitDeployment(
            deploymentId: UUID.v7(at: now), environmentId: environment.id, environmentName: environment.name, version: accepted.version,
            owner: owner, createdAt: now, scheduledAt: scheduledAt, options: accepted.options, mode: accepted.mode,
            reconnection: accepted.reconnection, notify: accepted.emails,
            target: ProviderTarget(provider: environment.provider, settings: environment.target),
            reconnectionMonthlyLimit: environment.limits.reconnectionsPerMonth,
            notifyEvents: NotificationChoices.effective(deployment: accepted.events, environment: environment.notifications),
            webhooks: environment.notifications.map(\.webhooks).flatMap { $0.isEmpty ? nil : $0 }, freezeOverride: accepted.overrideFreeze,
            approval: ApprovalChoices.policy(environment: environment.approval, deployment: accepted.approval),
            replacement: ReplacementChoices.policy(environment: environment.replacement, deployment: accepted.replacement))
    }

    private func list(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try auth.authenticate(request, requiring: .viewer)
        let environment = try await environment(context)
        let query = request.uri.queryParameters
        var errors: [Problem.FieldError] = []
        var status: DeploymentStatus?
        if let text = query.get("status") {
            status = DeploymentStatus(rawValue: text)
            if status == nil { errors.append(.init(field: "status", message: "unknown status '\(text)'")) }
        }
        var limit = 50
        if let text = query.get("limit") {
            if let value = Int(text), (1...200).contains(value) {
                limit = value
            } else {
                errors.append(.init(field: "limit", message: "must be a whole number from 1 to 200"))
            }
        }
        if let cursor = query.get("cursor"), !HistoryQueries.isValidCursor(cursor) {
            errors.append(.init(field: "cursor", message: "not a cursor this API handed out (use a page's nextCursor)"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        // The revision is read first: a page read after it is as new or newer, never older
        // than its tag says.
        let revision = try await history.revision(ofEnvironment: environment.id)
        return try await EntityTag.respond(to: request, tag: EntityTag.revision("e", revision)) {
            let page = try await history.list(environment: environment.id, status: status, limit: limit, cursor: query.get("cursor"))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: HistoryPageJSON.encode(page)))
        }
    }

    /// `GET /v1/deployments/{id}` (viewer): the history's view, tagged with its revision, or —
    /// before the recorder has it — what intake accepted, untagged (it changes without the
    /// recorder). A request naming a tag is compared with the revision alone first.
    private func details(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try auth.authenticate(request, requiring: .viewer)
        let id = try deploymentId(context)
        if let header = request.headers[.ifNoneMatch], let revision = try await history.revision(ofDeployment: id) {
            let tag = EntityTag.revision("d", revision)
            if EntityTag.matches(ifNoneMatch: header, tag) { return EntityTag.notModified(tag) }
        }
        guard let (details, revision) = try await history.revisedDetails(id) else {
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: try DeploymentDetailsJSON.encode(try await accepted(id))))
        }
        return try await EntityTag.respond(to: request, tag: EntityTag.revision("d", revision)) {
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: try DeploymentDetailsJSON.encode(details)))
        }
    }

    func deploymentId(_ context: BasicRequestContext) throws -> UUID {
        try deploymentId(context.parameters.get("id") ?? "")
    }

    /// The deployment id `text`, or a 404 problem.
    func deploymentId(_ text: String) throws -> UUID {
        guard let id = UUID(parsing: text) else { throw Problem.notFound("no deployment has the id '\(text)'") }
        return id
    }

    /// The history's view, or — before the recorder has it — what intake accepted.
    func deployment(_ id: UUID) async throws -> DeploymentDetails {
        if let details = try await history.details(id) { return details }
        return try await accepted(id)
    }

    /// What intake accepted as deployment `id`, or a 404 problem.
    private func accepted(_ id: UUID) async throws -> DeploymentDetails {
        guard let submission = try await intake.submission(id) else {
            throw Problem.notFound("no deployment has the id '\(id.lowercasedString)'")
        }
        return Self.accepted(submission)
    }

    /// Asks the scheduler to cancel the deployment `key` (deployer); answers the deployment as
    /// it was, or 409 when it has finished.
    func cancel(_ key: String, by caller: Caller) async throws -> DeploymentDetails {
        let id = try deploymentId(key)
        let current = try await deployment(id)
        guard !current.status.isTerminal else {
            throw Problem(.conflict, title: "Already finished", detail: "the deployment is \(current.status.rawValue)")
        }
        let command = CancelDeployment(deploymentId: id, requestedBy: caller.name, requestedAt: Date())
        try await sendToScheduler(.cancelDeployment(command), messageId: "cancel-\(id)-\(UUID())", title: "Cannot cancel now")
        AuditNotes.note("asked to cancel deployment \(id.lowercasedString), \(current.status.rawValue)")
        return current
    }

    // MARK: Helpers

    /// Publishes a user's command about a deployment to the scheduler (cancel, approve,
    /// resume…), or answers 503 titled `title` when the broker does not take it.
    func sendToScheduler(_ message: HangarMessage, messageId: String, title: String) async throws {
        do {
            try await bus.publish(message, messageId: messageId)
        } catch {
            throw Problem(.serviceUnavailable, title: title, detail: "the message broker is unreachable; try again")
        }
    }

    static func accepted(_ request: SubmitDeployment) -> DeploymentDetails {
        let scheduled = (request.scheduledAt ?? .distantPast) > Date()
        return DeploymentDetails(
            id: request.deploymentId, environmentId: request.environmentId, environmentName: request.environmentName,
            version: request.version, owner: request.owner, status: scheduled ? .scheduled : .queued, mode: request.mode,
            options: request.options, notify: request.notify, createdAt: request.createdAt, scheduledAt: request.scheduledAt,
            startedAt: nil, finishedAt: nil, durationMs: nil, reason: nil, failedStep: nil, outputs: [:],
            steps: StepName.allCases.map {
                StepDetails(name: $0, status: .pending, startedAt: nil, finishedAt: nil, durationMs: nil, attempts: 0, detail: [], error: nil)
            }, rollback: request.rollback)
    }
}
