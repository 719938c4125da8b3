import AMQPClient
import ArgumentParser
import Foundation
import HangarMessaging
import HangarRuntime
import HangarSettings
import Logging

/// `hangar-migrate-queues classic|quorum`: changes the type of Hangar's durable queues in the
/// vhost of `HANGAR_AMQP_URL`, keeping every message (see ``QueueMigration``). Stop Hangar's
/// services first; start them again with `HANGAR_QUEUE_TYPE` set to the new type.
@main
struct MigrateQueues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hangar-migrate-queues",
        abstract: "Change Hangar's queues to classic or quorum, keeping every message.",
        discussion: """
            A queue's type cannot change in place: each queue of the other type is emptied into \
            <queue>.migrating, deleted, declared again with the new type and refilled, each message \
            published with a confirm before its original is acked. Run it again if it stopped half-way. \
            Stop Hangar's services first. Reads HANGAR_AMQP_URL (its vhost) and HANGAR_LOG_LEVEL.
            """)

    @Argument(help: "The new type: classic (one broker node) or quorum (a cluster).")
    var type: String

    func run() async throws {
        guard let target = QueueType(rawValue: type.lowercased()) else {
            throw ValidationError("the type must be classic or quorum, not '\(type)'")
        }
        let environment = ServiceEnvironment(service: "migrate-queues")
        let amqp: AMQPConfiguration
        do {
            bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
            amqp = try environment.amqp()
        } catch {
            exitWithConfigurationError(error, service: "migrate-queues")
        }
        let logger = Logger(label: "hangar.migrate-queues")
        let connection = AMQPConnection(configuration: amqp, logger: logger)
        let running = Task { try await connection.run() }
        defer { running.cancel() }
        do {
            try await connection.waitUntilConnected(timeout: .seconds(15))
            let steps = try await QueueMigration(connection: connection, target: target, logger: logger).run()
            for step in steps {
                print("\(step.queue): now \(target.rawValue), \(step.messages) message(s) kept")
            }
            print(
                "\(steps.count) queue(s) changed to \(target.rawValue) in vhost \(amqp.virtualHost); start Hangar with HANGAR_QUEUE_TYPE=\(target.rawValue)"
            )
            await connection.close()
        } catch {
            await connection.close()
            FileHandle.standardError.write(Data("hangar-migrate-queues: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
