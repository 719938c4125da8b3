import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging

@testable import AMQPClient
@testable import HangarHistory

/// Runs `body` with a history store of its own: a new SQLite file, migrated, removed afterwards.
func withHistoryStore<T>(_ body: (SQLStore) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-history-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = SQLStore(configuration: .sqlite(path: folder.appendingPathComponent("history.sqlite").path), logger: historyTestLogger)
    let running = Task { await store.run() }
    defer {
        store.shutdown()
        running.cancel()
    }
    try await HistoryProjector(store: store, logger: historyTestLogger).migrate()
    return try await body(store)
}

/// `message` as the recorder's queue delivers it, under the message id `id`, the `tag`-th delivery.
func incomingEvent(_ message: HangarMessage, id: String, tag: Int) throws -> IncomingMessage {
    let amqp = Message(body: try ContractCodec.encode(message), messageId: id, type: message.type)
    return try IncomingMessage(
        Delivery(
            message: amqp, exchange: "hangar.events", routingKey: message.type, redelivered: false, deliveryTag: UInt64(tag + 1), settle: { _ in }))
}

/// The stores' and projectors' logger in these tests: errors only.
let historyTestLogger: Logger = {
    var logger = Logger(label: "hangar.history.tests")
    logger.logLevel = .error
    return logger
}()
