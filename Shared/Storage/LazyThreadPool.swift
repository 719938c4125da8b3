import NIOPosix
import Synchronization

/// An `NIOThreadPool` started on first use and stopped by ``shutdown()`` (or, as a fallback, on deinit:
/// NIO asserts that a started pool is shut down).
final class LazyThreadPool: Sendable {
    private enum State { case notStarted, started, stopped }

    private let pool: NIOThreadPool
    private let state = Mutex(State.notStarted)

    init(numberOfThreads: Int) {
        pool = NIOThreadPool(numberOfThreads: numberOfThreads)
    }

    /// The running pool; throws ``StorageError/shutDown`` after ``shutdown()``.
    func get() throws -> NIOThreadPool {
        try state.withLock { state in
            switch state {
            case .notStarted:
                pool.start()
                state = .started
            case .started:
                break
            case .stopped:
                throw StorageError.shutDown
            }
        }
        return pool
    }

    func shutdown() async {
        let wasStarted = state.withLock { state in
            defer { state = .stopped }
            return state == .started
        }
        if wasStarted { try? await pool.shutdownGracefully() }
    }

    deinit {
        if state.withLock({ $0 == .started }) {
            pool.shutdownGracefully { _ in }
        }
    }
}
