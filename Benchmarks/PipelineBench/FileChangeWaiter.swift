import Foundation

#if canImport(Glibc)
import Glibc

/// Wakes the benchmark when a file is written (Linux `inotify`), so that it reads the history
/// after each of the recorder's commits instead of every half millisecond. One deployment at
/// a time, the polling read cost the benchmark's own process about 2 ms of CPU per deployment
/// on the two cores the services run on (docs/benchmarks.md, stop 43).
final class FileChangeWaiter {
    private let descriptor: Int32
    /// Where the queued notifications are read into (and dropped), kept between waits.
    private var buffer = [UInt8](repeating: 0, count: 4096)

    /// Watches `path` (the recorder's write-ahead log: every commit writes it); `nil` when the
    /// file cannot be watched.
    init?(path: String) {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        guard inotify_add_watch(descriptor, path, UInt32(IN_MODIFY)) >= 0 else {
            close(descriptor)
            return nil
        }
    }

    deinit { close(descriptor) }

    /// Returns once the file was written since the last call, or after `timeout` (a safety
    /// net: a missed notification costs at most that). It blocks its thread: a benchmark's
    /// loop that waits for nothing else.
    func wait(timeout: Duration) {
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        guard poll(&watched, 1, milliseconds) > 0 else { return }
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
#else
/// Without `inotify`: never available, the benchmark reads every half millisecond.
final class FileChangeWaiter {
    init?(path: String) { nil }
    func wait(timeout: Duration) {}
}
#endif
