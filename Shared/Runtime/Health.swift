import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// What `/health/ready` answers for a service: ready when every check passes and the service
/// is not draining. `/health/live` only says the process answers.
public final class Health: Sendable {
    /// One condition of readiness: its name (reported when it fails) and how to check it.
    public struct Check: Sendable {
        public var name: String
        public var passes: @Sendable () async -> Bool

        public init(_ name: String, passes: @escaping @Sendable () async -> Bool) {
            self.name = name
            self.passes = passes
        }
    }

    private let checks: [Check]
    private let draining = Atomic<Bool>(false)

    public init(_ checks: [Check]) {
        self.checks = checks
    }

    /// From now on the service is not ready: it is stopping (SIGTERM) and finishing what it has.
    public func markDraining() { draining.store(true, ordering: .releasing) }

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// The names of what keeps the service from being ready (`draining` while it stops); empty when ready.
    public func failing() async -> [String] {
        var failing: [String] = isDraining ? ["draining"] : []
        for check in checks where !(await check.passes()) { failing.append(check.name) }
        return failing
    }

    /// `GET /health/live` and `GET /health/ready` on `router`: 200 `{"status":"ok"}`; 200
    /// `{"status":"ready"}` or 503 `{"status":"not ready","failing":[…]}`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/health/live") { _, _ in Self.json(#"{"status":"ok"}"#, status: .ok) }
        router.get("/health/ready") { [self] _, _ in
            let failing = await failing()
            guard !failing.isEmpty else { return Self.json(#"{"status":"ready"}"#, status: .ok) }
            let names = failing.map { "\"\($0)\"" }.joined(separator: ",")
            return Self.json(#"{"status":"not ready","failing":[\#(names)]}"#, status: .serviceUnavailable)
        }
    }

    private static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Marks `health` as draining as soon as the service group begins its graceful shutdown.
/// Put it last in the group: services stop in reverse order, so it hears first, and the
/// metrics server (put first) answers "not ready" until everything else has stopped.
public struct DrainWatcher: Service {
    let health: Health

    public init(health: Health) {
        self.health = health
    }

    public func run() async throws {
        try? await gracefulShutdown()
        health.markDraining()
    }
}
