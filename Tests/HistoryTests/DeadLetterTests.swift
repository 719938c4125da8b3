import Foundation
import HangarContracts
import HangarMessaging
import Testing

@testable import AMQPClient
@testable import HangarHistory

@Suite("Dead letters kept by the recorder")
struct DeadLetterTests {
    static func delivery(headers: [String: FieldValue], body: String = #"{"deploymentId":"d-1"}"#, routingKey: String = "hangar.steps") -> Delivery {
        Delivery(
            message: Message(body: Array(body.utf8), messageId: "m-1", correlationId: "d-1", type: "step.execute", headers: headers),
            exchange: "hangar.dead", routingKey: routingKey, redelivered: false, deliveryTag: 1, settle: { _ in })
    }

    @Test("a dead letter keeps its queue, reason and time; the death headers are dropped, the others kept; a replay counts one more")
    func fromDelivery() throws {
        let headers: [String: FieldValue] = [
            DeadLetterHeaders.reason: "poison", DeadLetterHeaders.originalQueue: "hangar.scheduler",
            DeadLetterHeaders.deadAt: .int(1_700_000_000_000),
            RedeliveryGuard.redeliveriesHeader: .int(10), "x-death": .array([.table(["count": .int(1)])]), ContractCodec.schemaVersionHeader: .int(1),
        ]
        let letter = KeptDeadLetter(delivery: Self.delivery(headers: headers), receivedAt: Date())
        #expect(letter.queue == "hangar.scheduler" && letter.reason == "poison")
        #expect(letter.deadAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(letter.message.headers == [ContractCodec.schemaVersionHeader: .int(1)])
        #expect(letter.replayMessage.headers[DeadLetterHeaders.replays] == .int(1))
        // The same delivery again: the same id. Replayed and dead again: another.
        #expect(KeptDeadLetter(delivery: Self.delivery(headers: headers), receivedAt: Date()).id == letter.id)
        var again = headers
        again[DeadLetterHeaders.replays] = .int(1)
        #expect(KeptDeadLetter(delivery: Self.delivery(headers: again), receivedAt: Date()).id != letter.id)
    }

    @Test("dead-lettered by the broker: the queue from x-first-death-queue or the routing key, the broker's reason")
    func byTheBroker() {
        let letter = KeptDeadLetter(delivery: Self.delivery(headers: ["x-first-death-reason": "delivery_limit"]), receivedAt: Date())
        #expect(letter.queue == "hangar.steps")
        #expect(letter.reason == "dead-lettered by the broker: delivery_limit")
        #expect(letter.summary.deploymentId == "d-1")
    }

    @Test("headers survive the store's JSON with their types")
    func headerCoding() {
        let headers: [String: FieldValue] = [
            "s": "text", "i": .int(7), "b": .bool(true), "d": .double(1.5), "x": .bytes([0, 1, 255]),
            "t": .table(["inner": .int(1)]), "a": .array([.string("one"), .int(2)]),
        ]
        #expect(HeaderCoding.decode(HeaderCoding.encode(headers)) == headers)
    }

    @Test("the preview hides secret-looking keys and the user part and query of URLs, and is cut short")
    func preview() {
        let body = #"{"target":{"accessKeyId":"AKIA","region":"eu"},"token":"t","webhooks":["https://user:pw@hooks.example/x?sig=1"],"n":1}"#
        let preview = DeadLetterPreview.make(Array(body.utf8))
        #expect(!preview.contains("AKIA") && !preview.contains("pw@") && !preview.contains("sig=1"), "\(preview)")
        #expect(preview.contains(#""region":"eu""#) && preview.contains("hooks.example/x"), "\(preview)")
        #expect(DeadLetterPreview.make(Array(String(repeating: "x", count: 1000).utf8)).count == DeadLetterPreview.limit + 1)
        #expect(DeadLetterPreview.make([0x01, 0x41]) == "·A")
    }
}
