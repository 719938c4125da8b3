import AMQPClient
import HangarMessaging
import Logging

/// Binds intake's private event queue to `hangar.events` (``HangarTopology/liveFeedKeys``: the
/// workers' step events and the scheduler's event batches) only while a live stream is open,
/// so an intake nobody watches receives no events (each would cost it and the broker a
/// delivery).
///
/// The first stream to open binds before it reads the state it starts from, so it misses
/// nothing; the binding stays for `linger` after the last stream closed, so a console that
/// reconnects does not bind and unbind each time.
actor LiveFeedBinding {
    private let connection: AMQPConnection
    private let bindings: [Topology.Binding]
    private let linger: Duration
    private let logger: Logger
    private var streams = 0
    private var bound = false
    private var closings = 0

    init(connection: AMQPConnection, queue: String, exchange: String, linger: Duration = .seconds(30), logger: Logger) {
        self.connection = connection
        self.bindings = HangarTopology.liveFeedKeys.map { Topology.Binding(queue: queue, exchange: exchange, routingKey: $0) }
        self.linger = linger
        self.logger = logger
    }

    /// A stream opens: bind if needed, and return once the binding is in place. When the
    /// broker is unreachable the stream goes on without live events (it re-reads the history).
    func streamOpened() async {
        streams += 1
        guard !bound else { return }
        bound = true
        do {
            // Declared on its own, so the connection declares it again after a reconnect.
            try await connection.declare(Topology(bindings: bindings))
        } catch {
            logger.warning("intake.feed.bind_failed", metadata: ["error": "\(error)"])
            bound = false
        }
    }

    /// A stream closed: unbind once none has been open for `linger`.
    func streamClosed() {
        streams -= 1
        guard streams == 0 else { return }
        closings += 1
        let closing = closings
        Task { [linger] in
            try? await Task.sleep(for: linger)
            await self.unbindIfIdle(since: closing)
        }
    }

    private func unbindIfIdle(since closing: Int) async {
        guard closing == closings, streams == 0, bound else { return }
        bound = false
        do {
            for binding in bindings { try await connection.unbind(binding) }
        } catch {
            logger.warning("intake.feed.unbind_failed", metadata: ["error": "\(error)"])
        }
    }
}
