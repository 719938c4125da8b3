import Foundation
import Synchronization

/// The service processes the tests started and have not stopped yet: killed (SIGKILL) when
/// the test process exits, so that none outlives the run. A test's
/// `defer { Task { await system.shutdown() } }` may not have finished by then; its services
/// would otherwise go on running, orphaned, after the run.
enum ChildProcesses {
    private static let running = Mutex<Set<Int32>>([])
    private static let killedAtExit: Void = { atexit { ChildProcesses.killAll() } }()

    static func add(_ pid: Int32) {
        _ = killedAtExit
        running.withLock { _ = $0.insert(pid) }
    }

    static func remove(_ pid: Int32) {
        running.withLock { _ = $0.remove(pid) }
    }

    private static func killAll() {
        for pid in running.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
