import Dispatch

/// Where libcurl's blocking transfers run: one dispatch queue for the process, whose threads
/// are reused from call to call, and never Swift's cooperative pool.
enum CurlExecutor {
    /// Concurrent, so that one slow SMTP server does not hold up the emails to another.
    static let queue = DispatchQueue(label: "hangar.curl", qos: .utility, attributes: .concurrent)

    /// Runs the blocking `body` on ``queue`` and returns the first value it hands to `report`
    /// (which may come before `body` has finished: see `CurlTransfer.perform`).
    static func run<Value: Sendable>(_ body: @escaping @Sendable (_ report: @escaping @Sendable (Value) -> Void) -> Void) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { body { continuation.resume(returning: $0) } }
        }
    }
}
