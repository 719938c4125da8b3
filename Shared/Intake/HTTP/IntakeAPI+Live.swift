import Foundation
import HTTPTypes
import HangarContracts
import HangarHistory
import Hummingbird
import Logging

/// What the routes beyond the catalog and deployments need: the live event hub, the server
/// request/reply, the broker's management API, instance prices and the console's files.
struct LiveServices: Sendable {
    let hub: EventHub
    /// Binds the event feed while streams are open.
    let feed: LiveFeedBinding
    let servers: ServerRequester
    let management: ManagementClient
    /// Hourly instance prices (``PriceTable``).
    let prices: PriceTable
    let console: ConsoleFiles
    /// How often an open stream writes a comment when nothing else was sent.
    var heartbeat: Duration = .seconds(15)
}

extension IntakeAPI {
    func addLiveRoutes(to router: DocumentedRouter<BasicRequestContext>) {
        let v1 = router.group("v1")
        v1.get("deployments/:id/events") { request, context in try await deploymentEvents(request, context) }
        v1.get("environments/:env/events") { request, context in try await environmentEvents(request, context) }

        let console = live.console
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console/"]) }
        // Hummingbird treats "/console" and "/console/" as one path; the page's links are absolute.
        router.get("/console") { _, _ in try console.response(for: "index.html") }
        router.get("/console/**") { _, context in try console.response(for: context.parameters.getCatchAll().joined(separator: "/")) }
    }

    // MARK: Server-Sent Events

    static let eventStreamHeaders: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    /// `GET /v1/deployments/{id}/events`: the deployment's details at once (`event: deployment`),
    /// then each event from the broker as it happens (`event: step` with the step event,
    /// `event: status` with the deployment event) followed by the details re-read from the
    /// history once the recorder has projected it; ends after a terminal status.
    ///
    /// After each event the history is re-read for 2 s, 5 ms later and then at doubling
    /// intervals up to 100 ms (the recorder projects asynchronously, usually within
    /// milliseconds); when nothing happens it is re-read every 5 s anyway, which covers events
    /// missed while intake's connection was down.
    private func deploymentEvents(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try auth.authenticateStream(request, requiring: .viewer)
        let id = try deploymentId(context)
        _ = try await deployment(id)  // 404 before the stream starts
        let (hub, feed, heartbeat, api) = (live.hub, live.feed, live.heartbeat, self)
        return Response(
            status: .ok, headers: Self.eventStreamHeaders,
            body: ResponseBody { writer in
                await feed.streamOpened()
                let mailbox = hub.subscribe(.deployment(id))
                defer {
                    hub.unsubscribe(mailbox)
                    Task { await feed.streamClosed() }
                }
                var stream = EventStreamWriter(heartbeat: heartbeat)
                var current = try await api.deployment(id)
                try await stream.send(&writer, text: "retry: 3000\n\n")
                try await stream.send(&writer, event: "deployment", json: current)
                var pollUntil: ContinuousClock.Instant?
                var pollDelay = RereadBackoff()
                let endedBefore = current.status.isTerminal
                var sentTypes: Set<String> = []
                while !current.status.isTerminal {
                    let now = ContinuousClock.now
                    let wait: Duration = pollUntil.map { $0 > now ? pollDelay.next() : .zero } ?? min(.seconds(5), stream.untilHeartbeat)
                    guard let notices = await mailbox.take(timeout: max(wait, .milliseconds(1))) else { break }
                    for notice in notices {
                        try await stream.send(&writer, event: notice.kind, data: notice.body)
                        sentTypes.insert(notice.type)
                        pollUntil = ContinuousClock.now + .seconds(2)
                        pollDelay.reset()
                    }
                    if let until = pollUntil, until < ContinuousClock.now, notices.isEmpty { pollUntil = nil }
                    let fresh = try await api.deployment(id)
                    if fresh != current {
                        current = fresh
                        try await stream.send(&writer, event: "deployment", json: current)
                    }
                    try await stream.heartbeatIfDue(&writer)
                }
                // The recorder and this feed consume the same events in parallel: the history
                // can show the end before the feed delivered its event. Wait a moment for it,
                // so the stream carries the terminal `status` too.
                let terminal = "deployment.\(current.status.rawValue)"
                let deadline = ContinuousClock.now + .seconds(2)
                var terminalSent = endedBefore || sentTypes.contains(terminal)
                while !terminalSent, ContinuousClock.now < deadline,
                    let notices = await mailbox.take(timeout: deadline - ContinuousClock.now)
                {
                    for notice in notices {
                        try await stream.send(&writer, event: notice.kind, data: notice.body)
                        if notice.type == terminal { terminalSent = true }
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// `GET /v1/environments/{env}/events`: `event: deployment` with a deployment's details
    /// each time one of the environment's deployments changes (created, scheduled, a step,
    /// a status), and `event: shutdown` with each turn of a scheduled server stop (a
    /// `ServerShutdownEvent`). Never ends by itself; heartbeats keep it open.
    private func environmentEvents(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try auth.authenticateStream(request, requiring: .viewer)
        let environment = try await environment(context)
        let (hub, feed, heartbeat, api) = (live.hub, live.feed, live.heartbeat, self)
        return Response(
            status: .ok, headers: Self.eventStreamHeaders,
            body: ResponseBody { writer in
                await feed.streamOpened()
                let mailbox = hub.subscribe(.all)
                defer {
                    hub.unsubscribe(mailbox)
                    Task { await feed.streamClosed() }
                }
                var stream = EventStreamWriter(heartbeat: heartbeat)
                try await stream.send(&writer, text: "retry: 3000\n\n")
                try await stream.send(&writer, event: "ready", json: ["environment": environment.name])
                var sent: [UUID: DeploymentDetails] = [:]
                var watching: [UUID: ContinuousClock.Instant] = [:]
                var pollDelay = RereadBackoff()
                while true {
                    let wait: Duration = watching.isEmpty ? stream.untilHeartbeat : pollDelay.next()
                    guard let notices = await mailbox.take(timeout: max(wait, .milliseconds(1))) else { break }
                    for notice in notices {
                        guard let deployment = notice.deploymentId else {
                            // A scheduled server stop's turn, passed on as it was published
                            // (the feed decoded it already, to know it is one).
                            if notice.environmentId == environment.id { try await stream.send(&writer, event: "shutdown", data: notice.body) }
                            continue
                        }
                        var owner = notice.environmentId ?? hub.environment(of: deployment)
                        if owner == nil, let details = try? await api.deployment(deployment), let found = details.environmentId {
                            hub.remember(deployment: deployment, environment: found)
                            owner = found
                        }
                        if owner == environment.id {
                            watching[deployment] = ContinuousClock.now + .seconds(2)
                            pollDelay.reset()
                        }
                    }
                    for (id, until) in watching {
                        if let details = try? await api.deployment(id), details != sent[id] {
                            try await stream.send(&writer, event: "deployment", json: details)
                            sent[id] = details
                        }
                        if until < ContinuousClock.now {
                            watching[id] = nil
                            if sent[id]?.status.isTerminal == true { sent[id] = nil }
                        }
                    }
                    try await stream.heartbeatIfDue(&writer)
                }
                try await writer.finish(nil)
            })
    }

    // MARK: Queues

    /// `GET /v1/queues`: each queue of this vhost from RabbitMQ's management API.
    func queues() async throws -> QueuesResponse {
        do {
            var answer = try await live.management.queues()
            // Dead letters rest in `<queue>.dead` only until the recorder keeps them.
            let kept = try await deadLetters.counts()
            for index in answer.items.indices where answer.items[index].deadLetters != nil {
                answer.items[index].deadLetters! += kept[answer.items[index].name] ?? 0
            }
            return answer
        } catch let failure as ManagementClient.Failure {
            throw Problem(
                .badGateway, title: "Queue statistics unavailable",
                detail: "\(failure) (management API \(live.management.redactedBaseURL), HANGAR_RABBITMQ_MANAGEMENT_URL)")
        }
    }

    // MARK: Environment lifecycle

    /// `POST /v1/environments/{env}/actions/{suspend,resume,release}` (admin).
    ///
    /// suspend: activated → suspended; resume: suspended or released → activated; release:
    /// activated or suspended → released. A suspended or released environment refuses new
    /// deployments (409). Repeating the action an environment is already in answers 200.
    /// Release and the resume of a release act on the cloud through a worker's provider first
    /// (instance group to zero and servers stopped, then all of it back; see
    /// ``EnvironmentCloudAction``); what it did is kept as `lifecycleReport`, and when it fails
    /// (no worker, the provider refused) the lifecycle does not change. Suspend and the resume
    /// of a suspension change the catalog only.
    func changeLifecycle(of key: String, to target: EnvironmentResource.Lifecycle, by caller: Caller) async throws -> EnvironmentResource {
        var environment = try await environment(key)
        if environment.lifecycle == target { return environment }
        if environment.lifecycle == .released && target == .suspended {
            throw Problem(.conflict, title: "Environment released", detail: "'\(environment.name)' was released; resume it first")
        }
        if target == .activated && environment.lifecycle == .activated {
            throw Problem(.conflict, title: "Not suspended", detail: "only a suspended or released environment can be resumed")
        }
        // Releasing under a running deployment would scale its group to zero mid-replacement,
        // and one scheduled for later would fall due on an environment that is released.
        if target == .released {
            for status in [DeploymentStatus.running, .awaitingApproval, .paused, .queued, .scheduled] {
                if let busy = try await history.list(environment: environment.id, status: status, limit: 1).items.first {
                    throw Problem(
                        .conflict, title: "A deployment is \(status.rawValue)",
                        detail: "'\(environment.name)' has deployment \(busy.id.lowercasedString) \(status.rawValue); "
                            + "cancel it or let it end before releasing the environment")
                }
            }
        }
        // Releasing frees what the environment runs in the cloud, and resuming a released one
        // brings it back, through a worker's provider; the catalog changes only once it did.
        let cloudAction: EnvironmentCloudAction? =
            target == .released ? .release : (environment.lifecycle == .released ? .resume : nil)
        if let cloudAction {
            let reply = try await ask(
                ServerRequest(environment, environmentAction: cloudAction, requestedBy: caller.name, expiresIn: 30))
            environment.lifecycleReport = reply.lines ?? []
            logger.info(
                "intake.environment.cloud",
                metadata: ["environment": "\(environment.name)", "action": "\(cloudAction.rawValue)", "lines": "\(reply.lines ?? [])"])
        }
        let now = Date()
        if environment.lifecycle == .activated { environment.lastRunningAt = now }
        AuditNotes.note("lifecycle \(environment.lifecycle.rawValue) → \(target.rawValue)")
        for line in environment.lifecycleReport ?? [] where cloudAction != nil { AuditNotes.note(line) }
        environment.lifecycle = target
        environment.lifecycleChangedAt = now
        environment.lifecycleChangedBy = caller.name
        environment.updatedAt = now
        try await intake.update(environment)
        if target == .released { try await cancelShutdowns(of: environment, by: "release by \(caller.name)") }
        // Occurrences run only while the environment takes deployments.
        try await resendSchedules(of: environment, by: caller.name)
        logger.info(
            "intake.environment.lifecycle",
            metadata: ["environment": "\(environment.name)", "lifecycle": "\(target.rawValue)", "by": "\(caller.name)"])
        return environment
    }

    // MARK: Servers

    func ask(_ request: ServerRequest) async throws -> ServerReply {
        let reply: ServerReply
        do {
            reply = try await live.servers.ask(request)
        } catch ServerRequester.Failure.timedOut(let timeout) {
            throw Problem(.gatewayTimeout, title: "No worker answered", detail: "no worker answered within \(timeout); are workers running?")
        } catch ServerRequester.Failure.notSent(let reason) {
            throw Problem(.serviceUnavailable, title: "Cannot ask the workers", detail: "the message broker did not take the request: \(reason)")
        } catch ServerRequester.Failure.malformed(let reason) {
            throw Problem(.badGateway, title: "A worker's answer did not decode", detail: reason)
        }
        switch reply.failure {
        case nil: return reply
        case .unsupported?: throw Problem(.notImplemented, title: "Not supported by the provider", detail: reply.error)
        case .notFound?: throw Problem(.notFound, title: "Unknown server", detail: reply.error)
        case .failed?: throw Problem(.badGateway, title: "The provider failed", detail: reply.error)
        }
    }

    func serverRequest(_ environment: EnvironmentResource, caller: Caller, action: ServerAction? = nil, serverId: String? = nil) -> ServerRequest {
        ServerRequest(environment, action: action, serverId: serverId, requestedBy: caller.name, expiresIn: 30)
    }

    /// `GET /v1/environments/{env}/servers`: the preparation and support servers as a worker's
    /// provider reports them, each with its scheduled shutdown, and the cost so far.
    func servers(of key: String, by caller: Caller) async throws -> ServersResponse {
        let environment = try await environment(key)
        let reply = try await ask(serverRequest(environment, caller: caller))
        let shutdowns = try await scheduledShutdowns(of: environment)
        let servers = reply.servers.map { server in
            var server = server
            server.scheduledShutdown = shutdowns[server.id]
            return server
        }
        return ServersResponse(
            environment: environment.name, items: servers, worker: reply.worker,
            cost: CostReport(environment: environment, servers: reply.servers, prices: live.prices, now: Date()))
    }

    /// `GET /v1/environments/{env}/cost`: the cost so far of what the environment runs now.
    func cost(of key: String, by caller: Caller) async throws -> CostReport {
        let environment = try await environment(key)
        let reply = try await ask(serverRequest(environment, caller: caller))
        return CostReport(environment: environment, servers: reply.servers, prices: live.prices, now: Date())
    }

    /// `GET /v1/environments/{env}/servers/{server}/connection` (viewer): how to connect to one of
    /// the servers a worker's provider reports (``ServerConnections``).
    func connection(to serverId: String, of key: String, by caller: Caller) async throws -> ServerConnection {
        let environment = try await environment(key)
        let server = try await managedServer(environment, caller: caller, serverId: serverId)
        return ServerConnections.connection(environment: environment, server: server)
    }

    /// The server `serverId` of an environment that is not released, as a worker's provider
    /// lists it now: 409 when released, 404 when the provider lists no such server.
    func managedServer(_ environment: EnvironmentResource, caller: Caller, serverId: String) async throws -> ServerInfo {
        guard environment.lifecycle != .released else {
            throw Problem(
                .conflict, title: "Environment released", detail: "'\(environment.name)' was released; its servers are not managed any more")
        }
        let reply = try await ask(serverRequest(environment, caller: caller))
        guard let server = reply.servers.first(where: { $0.id == serverId }) else {
            throw Problem(.notFound, title: "Unknown server", detail: "'\(environment.name)' has no server '\(serverId)'")
        }
        return server
    }

    /// `POST /v1/environments/{env}/servers/{server}/actions/{start,stop,restart}` (deployer).
    func act(_ action: ServerAction, on serverId: String, of key: String, by caller: Caller) async throws -> ServerInfo {
        let environment = try await environment(key)
        guard environment.lifecycle != .released else {
            throw Problem(
                .conflict, title: "Environment released", detail: "'\(environment.name)' was released; its servers are not managed any more")
        }
        let reply = try await ask(serverRequest(environment, caller: caller, action: action, serverId: serverId))
        logger.info(
            "intake.server.action",
            metadata: ["environment": "\(environment.name)", "server": "\(serverId)", "server.action": "\(action.rawValue)", "by": "\(caller.name)"])
        guard let server = reply.servers.first else { throw Problem(.badGateway, title: "The provider answered nothing") }
        AuditNotes.note("\(action.rawValue) \(server.role.rawValue) server \(server.name) (\(server.id)): now \(server.status)")
        return server
    }
}

/// `GET /v1/environments/{env}/servers`.
struct ServersResponse: Codable, Sendable {
    var environment: String
    var items: [ServerInfo]
    /// The worker that answered.
    var worker: String
    var cost: CostReport
}

/// How long a stream waits before re-reading the history after an event: 5 ms, doubling up
/// to 100 ms, so a change the recorder projects quickly shows quickly without a busy loop.
struct RereadBackoff {
    private var delay: Duration = .milliseconds(5)

    mutating func reset() { delay = .milliseconds(5) }

    mutating func next() -> Duration {
        defer { delay = min(delay * 2, .milliseconds(100)) }
        return delay
    }
}

/// Writes Server-Sent Events and remembers when it last wrote, for heartbeats.
struct EventStreamWriter {
    let heartbeat: Duration
    private var lastWrite = ContinuousClock.now

    init(heartbeat: Duration) { self.heartbeat = heartbeat }

    var untilHeartbeat: Duration { max(.milliseconds(1), heartbeat - (ContinuousClock.now - lastWrite)) }

    mutating func send(_ writer: inout any ResponseBodyWriter, text: String) async throws {
        try await writer.write(ByteBuffer(string: text))
        lastWrite = .now
    }

    mutating func send(_ writer: inout any ResponseBodyWriter, event: String, data: [UInt8]) async throws {
        var buffer = ByteBuffer(string: "event: \(event)\ndata: ")
        // JSON from the encoder is one line; newlines inside would need a data: line each.
        buffer.writeBytes(data.map { $0 == 0x0A ? 0x20 : $0 })
        buffer.writeString("\n\n")
        try await writer.write(buffer)
        lastWrite = .now
    }

    mutating func send(_ writer: inout any ResponseBodyWriter, event: String, json value: some Encodable) async throws {
        try await send(&writer, event: event, data: Array(try HangarJSON.encoder.encode(value)))
    }

    mutating func heartbeatIfDue(_ writer: inout any ResponseBodyWriter) async throws {
        if ContinuousClock.now - lastWrite >= heartbeat { try await send(&writer, text: ": heartbeat\n\n") }
    }
}
