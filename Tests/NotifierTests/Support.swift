import Foundation
import HangarContracts
import HangarHarness
import HangarNotification
import HangarStorage
import Logging
import Synchronization

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let testLogger: Logger = {
    var logger = Logger(label: "hangar.notifier.tests")
    logger.logLevel = ProcessInfo.processInfo.environment["HANGAR_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    return logger
}()

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct NotifierUnderTest {
    let store: SQLStore
    let notifier: NotifierStore
    let sender: NotificationSender
    let folder: URL

    static let fastRetry = RetryPolicy(base: .milliseconds(100), max: .milliseconds(400), maxAttempts: 1000)

    init(
        transport: any MailTransport, webhooks: (any WebhookTransport)? = nil, events: Set<DeploymentStatus>? = nil,
        retry: RetryPolicy = fastRetry, database: DatabaseConfiguration? = nil
    ) {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-notifier-\(UUID().uuidString.prefix(8))")
        store = SQLStore(configuration: database ?? .sqlite(path: folder.appendingPathComponent("notifier.sqlite").path), logger: testLogger)
        let configuration = NotifierConfiguration(smtp: nil, outboxDirectory: folder.appendingPathComponent("outbox").path)
        notifier = NotifierStore(
            store: store, composer: NotificationComposer(fromName: "Hangar", fromAddress: "hangar@localhost"),
            events: events ?? configuration.events, logger: testLogger)
        sender = NotificationSender(
            store: notifier, transport: transport, webhooks: webhooks, fromAddress: "hangar@localhost", retry: retry,
            pollInterval: .milliseconds(200),
            logger: testLogger)
    }

    /// Runs `body` with the store and the sender running.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let storeTask = Task { await store.run() }
        try await notifier.migrate()
        let sender = sender
        let senderTask = Task { try await sender.run() }
        defer {
            senderTask.cancel()
            store.shutdown()
            try? FileManager.default.removeItem(at: folder)
        }
        let result = try await body()
        senderTask.cancel()
        _ = await senderTask.result
        store.shutdown()
        await storeTask.value
        return result
    }

    func apply(_ messages: [(String, HangarMessage)]) async throws {
        try await notifier.apply(messages.map { (messageId: $0.0, message: $0.1) })
        sender.wakeUp()
    }
}

// MARK: Events

let t0 = Date(timeIntervalSince1970: 1_795_000_000)

func deploymentEvent(
    _ status: DeploymentStatus, id: UUID, version: String? = "2.4.0", environment: String = "web", notify: [String], at: Date,
    reason: String? = nil, failedStep: StepName? = nil, notifyEvents: [DeploymentStatus]? = nil, webhooks: [String]? = nil
) -> DeploymentEvent {
    DeploymentEvent(
        status: status, deploymentId: id, environmentId: UUID(), environmentName: environment, version: version, owner: "alice", at: at,
        createdAt: t0.addingTimeInterval(-5), scheduledAt: status == .scheduled ? t0.addingTimeInterval(3600) : nil, mode: .optimized,
        options: DeploymentOptions(), notify: notify, reason: reason, failedStep: failedStep,
        outputs: status == .succeeded ? ["generatedVersion": "v42"] : nil, notifyEvents: notifyEvents, webhooks: webhooks)
}

func stepEvent(_ kind: StepEvent.Kind, id: UUID, step: StepName, at: Date, error: String? = nil) -> StepEvent {
    StepEvent(
        kind: kind, deploymentId: id, step: step, attempt: 1, dispatchId: UUID(), at: at, error: error, transient: kind == .failed ? false : nil)
}

/// A deployment's messages from start to success (each step 400 ms, the preparation server
/// step skipped), or to a permanent failure at `failAt`.
func pipeline(id: UUID, notify: [String], version: String? = "2.4.0", failAt: StepName? = nil) -> [(String, HangarMessage)] {
    var messages: [(String, HangarMessage)] = [
        ("\(id)-running", .deploymentEvent(deploymentEvent(.running, id: id, version: version, notify: notify, at: t0)))
    ]
    var clock = t0
    for step in StepName.allCases {
        if step == .stopPreparationServer {
            messages.append(("\(id)-\(step)-skipped", .stepEvent(stepEvent(.skipped, id: id, step: step, at: clock))))
            continue
        }
        messages.append(("\(id)-\(step)-started", .stepEvent(stepEvent(.started, id: id, step: step, at: clock))))
        clock = clock.addingTimeInterval(0.4)
        if step == failAt {
            messages.append(
                ("\(id)-\(step)-failed", .stepEvent(stepEvent(.failed, id: id, step: step, at: clock, error: "launch template quota exceeded"))))
            messages.append(
                (
                    "\(id)-failed",
                    .deploymentEvent(
                        deploymentEvent(
                            .failed, id: id, version: version, notify: notify, at: clock, reason: "launch template quota exceeded", failedStep: step))
                ))
            return messages
        }
        messages.append(("\(id)-\(step)-succeeded", .stepEvent(stepEvent(.succeeded, id: id, step: step, at: clock))))
    }
    messages.append(("\(id)-succeeded", .deploymentEvent(deploymentEvent(.succeeded, id: id, version: version, notify: notify, at: clock))))
    return messages
}
