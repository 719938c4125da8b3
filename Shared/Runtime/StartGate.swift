import ServiceLifecycle
import Synchronization

/// Opens once, when a service's preparation is done (its tables migrated, its queues
/// declared); the parts that need those wait for it (``AfterPreparation``).
public final class StartGate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter = 0
        var waiting: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    /// Creates a closed gate.
    public init() {}

    /// Whether ``open()`` was called.
    public var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate: every waiter and every later ``wait()`` returns.
    public func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once the gate is open; throws `CancellationError` when the task is cancelled first.
    public func wait() async throws {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let answer: Result<Void, any Error>? = state.withLock { state in
                    if state.isOpen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiting[id] = continuation
                    return nil
                }
                if let answer { continuation.resume(with: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}

/// A part of a service that needs its preparation: it runs `service` once the gate opened, and
/// ends without running it when the group shuts down first. Its description is its name only,
/// so what the service group logs carries no setting (and no secret) of the part it wraps.
public struct AfterPreparation: Service, CustomStringConvertible {
    /// What the part is, for logs.
    public let name: String
    /// Opened by the service's preparation.
    public let gate: StartGate
    /// The part itself.
    public let service: any Service

    /// Wraps `service`, named `name` in logs.
    public init(name: String, gate: StartGate, service: any Service) {
        self.name = name
        self.gate = gate
        self.service = service
    }

    /// The part's name.
    public var description: String { name }

    /// Waits for the gate (or a graceful shutdown), then runs the part.
    public func run() async throws {
        let gate = gate
        let opened = await cancelWhenGracefulShutdown { (try? await gate.wait()) != nil }
        guard opened else { return }
        try await service.run()
    }
}

/// A loop that runs until the task is cancelled, as a service: a graceful shutdown cancels it.
public struct UntilShutdown: Service, CustomStringConvertible {
    /// What the loop does, for logs.
    public let name: String
    /// The loop; it must return soon after its task is cancelled.
    public let loop: @Sendable () async -> Void

    /// A service named `name` that runs `loop` until a graceful shutdown.
    public init(name: String, loop: @escaping @Sendable () async -> Void) {
        self.name = name
        self.loop = loop
    }

    /// The loop's name.
    public var description: String { name }

    /// Runs the loop until a graceful shutdown.
    public func run() async throws {
        let loop = loop
        await cancelWhenGracefulShutdown { await loop() }
    }
}
