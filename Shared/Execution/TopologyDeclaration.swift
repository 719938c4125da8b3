import AMQPClient
import Logging

/// Declares `topology` on `connection`, waiting for the broker as long as it takes: while it
/// cannot be reached (a retriable error) the declaration is tried again. The connection
/// remembers the topology and declares it again after every reconnect. Throws for errors
/// that waiting cannot fix (for example a queue that exists with other arguments), and
/// `CancellationError` when the task is cancelled.
public func declareWhenReachable(_ topology: Topology, on connection: AMQPConnection, logger: Logger) async throws {
    while true {
        do {
            try await connection.declare(topology)
            return
        } catch let error as AMQPError where error.isRetriable {
            logger.warning("hangar.topology.waiting_for_broker", metadata: ["error": "\(error)"])
            try await Task.sleep(for: .seconds(1))
        }
    }
}
