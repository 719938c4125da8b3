import AMQPClient
import Logging

/// Declares `topology` on `connection`, waiting for the broker as long as it takes: until the
/// connection is up, then declaring, and trying again while that fails for a reason that
/// waiting can fix. The connection remembers the topology and declares it again after every
/// reconnect. Throws for errors that waiting cannot fix (for example a queue that exists
/// with other arguments), and `CancellationError` when the task is cancelled.
public func declareWhenReachable(_ topology: Topology, on connection: AMQPConnection, logger: Logger) async throws {
    while true {
        // Said once the wait is longer than a normal start's; the connection logs each attempt.
        let quietUntil = ContinuousClock.now + .seconds(2)
        var said = false
        while !connection.isConnected {
            if !said && ContinuousClock.now >= quietUntil {
                logger.info("hangar.topology.waiting_for_broker", metadata: ["amqp.url": "\(connection.configuration.redactedURL)"])
                said = true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        do {
            try await connection.declare(topology)
            return
        } catch let error as AMQPError where error.isRetriable {
            logger.warning("hangar.topology.declare_failed", metadata: ["error": "\(error)"])
            try await Task.sleep(for: .seconds(1))
        }
    }
}
