import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// What `/health/ready` answers for a service: ready when every check passes and the service
/// is not draining. `/health/live` only says the process answers.
public final class Health: Sendable {
    /// One condition of readiness: its name (reported when it fails) and how to check it.
    public struct Check: Sendable {
        /// Reported in the `failing` list of `/health/ready` when the check fails, for example `broker`.
        public var name: String
        /// Whether the condition holds now. Asked at every readiness probe; taking longer than ``Health/checkTimeout`` counts as failing.
        public var passes: @Sendable () async -> Bool

        /// A check called `name` that asks `passes`.
        public init(_ name: String, passes: @escaping @Sendable () async -> Bool) {
            self.name = name
            self.passes = passes
        }
    }

    private let checks: [Check]
    private let draining = Atomic<Bool>(false)

    /// Health made of `checks`, not draining.
    public init(_ checks: [Check]) {
        self.checks = checks
    }

    /// From now on the service is not ready: it is stopping (SIGTERM) and finishing what it has.
    public func markDraining() { draining.store(true, ordering: .releasing) }

    /// Whether ``markDraining()`` was called: `/health/ready` then reports `draining`.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// How long a check may take before it counts as failing (a store stuck behind a lock
    /// must make the service not ready, not hang the probe).
    public static let checkTimeout: Duration = .seconds(2)

    /// The names of what keeps the service from being ready (`draining` while it stops); empty
    /// when ready. A check that takes longer than ``checkTimeout`` fails as `<name> (timed out)`.
    public func failing() async -> [String] {
        var failing: [String] = isDraining ? ["draining"] : []
        for check in checks {
            switch await Self.run(check) {
            case true?: break
            case false?: failing.append(check.name)
            case nil: failing.append("\(check.name) (timed out)")
            }
        }
        return failing
    }

    /// The check's answer, or `nil` when it took longer than ``checkTimeout``. The check runs
    /// in a task of its own, so that one stuck where cancellation cannot reach (a store's
    /// thread) does not hold the probe.
    private static func run(_ check: Check) async -> Bool? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
            let once = Once(continuation)
            let checking = Task { once.answer(await check.passes()) }
            Task {
                try? await Task.sleep(for: checkTimeout)
                once.answer(nil)
                checking.cancel()
            }
        }
    }

    /// Resumes a continuation with the first answer only.
    private final class Once: Sendable {
        private let continuation: CheckedContinuation<Bool?, Never>
        private let answered = Atomic<Bool>(false)

        init(_ continuation: CheckedContinuation<Bool?, Never>) { self.continuation = continuation }

        func answer(_ value: Bool?) {
            if !answered.exchange(true, ordering: .acquiringAndReleasing) { continuation.resume(returning: value) }
        }
    }

    /// `GET /health/live` and `GET /health/ready` on `router`: 200 `{"status":"ok"}`; 200
    /// `{"status":"ready"}` or 503 `{"status":"not ready","failing":[…]}`.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
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

    /// A watcher that marks `health` as draining.
    public init(health: Health) {
        self.health = health
    }

    /// Waits for graceful shutdown (or cancellation), then marks the health as draining.
    public func run() async throws {
        try? await gracefulShutdown()
        health.markDraining()
    }
}
