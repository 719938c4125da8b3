import ServiceLifecycle
import Synchronization

/// Opens once, when intake's preparation is done (its tables migrated, its queues declared);
/// the services that need those wait for it.
final class StartGate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter = 0
        var waiting: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    /// Creates a closed gate.
    init() {}

    /// Whether ``open()`` was called.
    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate: every waiter and every later ``wait()`` returns.
    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once the gate is open; throws `CancellationError` when the task is cancelled first.
    func wait() async throws {
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

/// A part of intake that needs its preparation: it runs `service` once the gate opened, and
/// ends without running it when the group shuts down first. Its description is its name only,
/// so what the service group logs carries no setting (and no secret) of the part it wraps.
struct AfterPreparation: Service, CustomStringConvertible {
    /// What the part is, for logs.
    let name: String
    /// Opened by ``IntakePreparation``.
    let gate: StartGate
    /// The part itself.
    let service: any Service

    /// The part's name.
    var description: String { name }

    /// Waits for the gate (or a graceful shutdown), then runs the part.
    func run() async throws {
        let gate = gate
        let opened = await cancelWhenGracefulShutdown { (try? await gate.wait()) != nil }
        guard opened else { return }
        try await service.run()
    }
}

/// A loop that runs until the task is cancelled, as a service: a graceful shutdown cancels it.
struct UntilShutdown: Service, CustomStringConvertible {
    /// What the loop does, for logs.
    let name: String
    /// The loop; it must return soon after its task is cancelled.
    let loop: @Sendable () async -> Void

    /// The loop's name.
    var description: String { name }

    /// Runs the loop until a graceful shutdown.
    func run() async throws {
        let loop = loop
        await cancelWhenGracefulShutdown { await loop() }
    }
}
