import Foundation

/// A thread of one SQLite connection, as a Swift task executor: a transaction runs on it from
/// `BEGIN` to `COMMIT` (`withTaskExecutorPreference`), its statements one after the other
/// without a thread hop, and a statement that blocks (a lock held by another process, up to
/// `busy_timeout`; an `fsync`) blocks this thread, never Swift's cooperative pool.
final class ConnectionThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { self.run() }  // holds self until stop()
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        guard !stopped else {
            // A task that still prefers this executor after it stopped (a consumer ending
            // after its store) runs on Swift's pool instead of waiting forever.
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs enqueued so far have run; later ones run on Swift's pool.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
        }
    }
}
