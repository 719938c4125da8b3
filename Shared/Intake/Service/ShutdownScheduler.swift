import Foundation
import HangarContracts
import Logging

/// Fires scheduled server shutdowns: every second it claims the due ones (a lease in intake's
/// store, so replicas do not fire the same one) and asks a worker to stop each server, over
/// the same request/reply as the console's stop button. A shutdown is forgotten once a worker
/// has stopped the server (or the server or environment is gone); when no worker answers or
/// the provider fails, it stays, with the error, and is tried again after a growing delay.
struct ShutdownScheduler: Sendable {
    let intake: IntakeStore
    let servers: ServerRequester
    let logger: Logger
    var pollInterval: Duration = .seconds(1)

    private var timeoutSeconds: TimeInterval { servers.timeout / .seconds(1) }

    func run() async {
        while !Task.isCancelled {
            do {
                // The lease outlasts a request's time limit.
                let lease = timeoutSeconds + 30
                for due in try await intake.claimDueShutdowns(lease: lease) { await fire(due) }
            } catch {
                logger.warning("intake.server.shutdown.claim_failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    private func fire(_ due: IntakeStore.DueShutdown) async {
        var metadata: Logger.Metadata = ["environment.id": "\(due.environmentId)", "server": "\(due.serverId)", "by": "\(due.shutdown.requestedBy)"]
        do {
            guard let environment = try await intake.environment(due.environmentId.uuidString), environment.lifecycle != .released else {
                logger.notice("intake.server.shutdown.dropped", metadata: metadata.merging(["reason": "environment deleted or released"]) { $1 })
                try await intake.finishShutdown(due)
                return
            }
            metadata["environment"] = "\(environment.name)"
            let request = ServerRequest(
                environment, action: .stop, serverId: due.serverId, requestedBy: "scheduled shutdown by \(due.shutdown.requestedBy)",
                expiresIn: timeoutSeconds)
            let reply: ServerReply
            do {
                reply = try await servers.ask(request)
            } catch {
                try await retry(due, error: "\(error)", metadata: metadata)
                return
            }
            switch reply.failure {
            case nil:
                logger.info(
                    "intake.server.shutdown.done", metadata: metadata.merging(["server.status": "\(reply.servers.first?.status ?? "-")"]) { $1 })
                try await intake.finishShutdown(due)
            case .notFound?, .unsupported?:
                logger.warning(
                    "intake.server.shutdown.dropped", metadata: metadata.merging(["reason": "\(reply.error ?? "\(reply.failure!)")"]) { $1 })
                try await intake.finishShutdown(due)
            case .failed?:
                try await retry(due, error: reply.error ?? "the provider failed", metadata: metadata)
            }
        } catch {
            // The store failed: the claim runs out and the shutdown is tried again.
            logger.warning("intake.server.shutdown.store_failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    /// 15 s after the first failure, doubling up to 5 minutes.
    private func retry(_ due: IntakeStore.DueShutdown, error: String, metadata: Logger.Metadata) async throws {
        let delay = min(15 * pow(2, Double(min(due.shutdown.failedAttempts, 10))), 300)
        logger.warning(
            "intake.server.shutdown.failed",
            metadata: metadata.merging(["error": "\(error)", "retry.after_s": "\(Int(delay))", "attempt": "\(due.shutdown.failedAttempts + 1)"]) {
                $1
            })
        try await intake.shutdownFailed(due, error: error, after: delay)
    }
}
