import CRabbitMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets other threads wake the I/O thread out of `poll`: an eventfd on Linux.
final class Wakeup: @unchecked Sendable {
    let descriptor: Int32

    init() {
        descriptor = hangar_eventfd()
        precondition(descriptor >= 0, "eventfd failed: errno \(errno)")
    }

    deinit { close(descriptor) }

    /// Wakes the I/O thread (at most one pending wake-up is remembered).
    func signal() {
        var one: UInt64 = 1
        _ = write(descriptor, &one, 8)
    }

    /// Clears pending wake-ups. Called by the I/O thread.
    func drain() {
        var value: UInt64 = 0
        _ = read(descriptor, &value, 8)
    }

    /// Waits until `socket` (if any) is readable, a wake-up arrives, or `timeout` passes.
    /// Returns whether the socket is readable (or failed, which a read reveals).
    func wait(socket: Int32?, timeout: Duration) -> Bool {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        if let socket {
            descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
        }
        let milliseconds = Int32(max(0, min(timeout.milliseconds, Int(Int32.max))))
        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        guard ready > 0 else { return false }
        if descriptors[0].revents != 0 { drain() }
        return descriptors.count > 1 && descriptors[1].revents != 0
    }
}
