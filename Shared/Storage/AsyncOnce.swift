import Synchronization

/// Runs an async set-up step once; concurrent callers wait for the same run. A failed run is forgotten, so the
/// next caller tries again (e.g. PostgreSQL was not up yet).
final class AsyncOnce: Sendable {
    private enum State {
        case idle
        case running(Task<Void, any Error>)
        case done
    }

    private let state = Mutex(State.idle)

    func run(_ operation: @escaping @Sendable () async throws -> Void) async throws {
        let task: Task<Void, any Error>? = state.withLock { state in
            switch state {
            case .done:
                return nil
            case .running(let task):
                return task
            case .idle:
                let task = Task { try await operation() }
                state = .running(task)
                return task
            }
        }
        guard let task else { return }
        do {
            try await task.value
            state.withLock { $0 = .done }
        } catch {
            state.withLock { if case .running = $0 { $0 = .idle } }
            throw error
        }
    }
}
