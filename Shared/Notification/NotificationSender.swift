import Foundation
import HangarContracts
import HangarMessaging
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Delivers the emails and webhooks the store holds: claims the due ones, sends up to
/// `concurrency` at once through their transports, and records each outcome — sent; failed
/// for good (a 5xx email, a 4xx webhook, or too many attempts); or due again after a capped
/// exponential backoff. Nothing waits on an AMQP delivery: the events were acked once their
/// notifications were stored.
public final class NotificationSender: Service, Sendable {
    private let store: NotifierStore
    private let transport: any MailTransport
    private let webhooks: (any WebhookTransport)?
    private let fromAddress: String
    private let retry: RetryPolicy
    private let concurrency: Int
    private let pollInterval: Duration
    private let lease: Duration
    private let logger: Logger
    private let wake = WakeSignal()
    private let stopping = Mutex(false)

    /// Creates a sender. `fromAddress` is the envelope sender of every email; `concurrency` (at least 1) bounds sends in flight;
    /// `pollInterval` is the longest wait between looks at the store; `lease` is how long a claim lasts before it is renewed.
    public init(
        store: NotifierStore, transport: any MailTransport, webhooks: (any WebhookTransport)? = nil, fromAddress: String,
        retry: RetryPolicy, concurrency: Int = 4, pollInterval: Duration = .seconds(5), lease: Duration = .seconds(30), logger: Logger
    ) {
        self.lease = lease
        self.store = store
        self.transport = transport
        self.webhooks = webhooks
        self.fromAddress = fromAddress
        self.retry = retry
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Emails were queued: look now rather than at the next poll.
    public func wakeUp() { wake.signal() }

    /// Sends due notifications in rounds until graceful shutdown. Between rounds it waits until the next one falls due,
    /// ``wakeUp()`` is called, or `pollInterval` passes, whichever comes first.
    public func run() async throws {
        logger.info("notifier.sender.running", metadata: ["transport": "\(transport.description)"])
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !self.stopping.withLock({ $0 }) {
                let sent: Int
                do {
                    sent = try await self.sendDue()
                } catch {
                    self.logger.error("notifier.sender.failed", metadata: ["error": "\(error)"])
                    sent = 0
                    await self.wake.wait(timeout: .seconds(1))
                    continue
                }
                if sent > 0 { continue }
                var wait = self.pollInterval
                if let due = try? await shielded({ try await self.store.nextDue() }) {
                    let milliseconds = max(0, min(due.timeIntervalSinceNow * 1000, Double(self.pollInterval.components.seconds * 1000)))
                    wait = .milliseconds(Int64(milliseconds) + 1)
                }
                await self.wake.wait(timeout: wait)
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.wake.signal()
        }
        logger.info("notifier.sender.stopped")
    }

    /// One round: claims due notifications (for `lease`, renewed every third of it while
    /// some are still unsent) and sends them. Returns how many were claimed.
    func sendDue() async throws -> Int {
        let (store, lease) = (store, lease)
        let (limit, fromAddress) = (concurrency * 4, fromAddress)
        let due = try await shielded { try await store.claimDue(limit: limit, lease: lease, fromAddress: fromAddress) }
        guard !due.isEmpty else { return 0 }
        let unsent = Unsent(due)
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                if Task.isCancelled { return }
                let pending = unsent.pending
                do {
                    try await shielded { try await store.renew(pending, until: Date().addingTimeInterval(lease / .seconds(1))) }
                } catch {
                    self.logger.warning("notifier.lease.renew_failed", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { renewal.cancel() }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for delivery in due {
                if running == concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask {
                    await self.deliver(delivery)
                    unsent.remove(delivery)
                }
                running += 1
            }
        }
        return due.count
    }

    private func deliver(_ due: NotifierStore.DueDelivery) async {
        let result: SendResult
        switch due.payload {
        case .email(let email): result = await transport.send(email)
        case .webhook(let webhook):
            result = await webhooks?.post(webhook) ?? .permanent("webhooks are not configured on this notifier")
        }
        let attempt = due.attempts + 1
        let channel = due.channel.rawValue
        Counter(label: "hangar_notifications_total", dimensions: [("channel", channel), ("result", result.metricName)]).increment()
        var metadata: Logger.Metadata = [
            "notifier.event": "\(due.eventKey)", "to": "\(due.target)", "attempt": "\(attempt)",
        ]
        var retryAt: Date?
        switch result {
        case .delivered:
            logger.info("notifier.\(channel).sent", metadata: metadata.merging(["subject": "\(due.subject)"]) { $1 })
        case .permanent(let error):
            metadata["error"] = "\(error)"
            logger.error("notifier.\(channel).rejected", metadata: metadata)
        case .transient(let error):
            metadata["error"] = "\(error)"
            if attempt < retry.maxAttempts {
                let delay = retry.delay(afterAttempt: attempt)
                retryAt = Date().addingTimeInterval(delay.seconds)
                metadata["retry_in_ms"] = "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"
                logger.warning("notifier.\(channel).retry", metadata: metadata)
            } else {
                logger.error("notifier.\(channel).gave_up", metadata: metadata)
            }
        }
        // Record the outcome; if the store fails, the claim's lease expires and the email is
        // tried again (at worst sent twice, never lost).
        for pause in [0, 200, 1000, 5000] {
            if pause > 0 { try? await Task.sleep(for: .milliseconds(pause)) }
            do {
                let (store, retryAt) = (store, retryAt)
                try await shielded { try await store.record(due, result: result, retryAt: retryAt) }
                return
            } catch {
                logger.error("notifier.\(channel).record_failed", metadata: metadata.merging(["store_error": "\(error)"]) { $1 })
            }
        }
    }
}

/// The claimed deliveries of one round not recorded yet: their lease is renewed.
private final class Unsent: Sendable {
    private let deliveries: Mutex<[String: NotifierStore.DueDelivery]>

    init(_ due: [NotifierStore.DueDelivery]) {
        deliveries = Mutex(Dictionary(due.map { (Self.key($0), $0) }, uniquingKeysWith: { $1 }))
    }

    var pending: [NotifierStore.DueDelivery] { deliveries.withLock { Array($0.values) } }

    func remove(_ delivery: NotifierStore.DueDelivery) {
        _ = deliveries.withLock { $0.removeValue(forKey: Self.key(delivery)) }
    }

    private static func key(_ delivery: NotifierStore.DueDelivery) -> String {
        "\(delivery.channel.rawValue) \(delivery.eventKey) \(delivery.target)"
    }
}

/// Runs `operation` in a task of its own, so that cancelling the caller (shutdown) does not
/// interrupt a store call half-way; the caller still waits for it.
func shielded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}

extension SendResult {
    /// The result's word in metrics: delivered, transient or permanent.
    var metricName: String {
        switch self {
        case .delivered: "delivered"
        case .transient: "transient"
        case .permanent: "permanent"
        }
    }
}
