import CRabbitMQ
import Foundation
import Testing

@testable import AMQPClient

@Suite("Marshalling to and from rabbitmq-c")
struct MarshallingTests {
    @Test("message properties and nested headers survive encoding and decoding")
    func roundTrip() {
        let pool = UnsafeMutablePointer<amqp_pool_t>.allocate(capacity: 1)
        init_amqp_pool(pool, 4096)
        defer {
            empty_amqp_pool(pool)
            pool.deallocate()
        }
        let message = Message(
            body: Array("{}".utf8), contentType: "application/json", messageId: "id-1", correlationId: "dep-1",
            type: "step.succeeded",
            headers: [
                "x-schema-version": 2, "text": "héllo", "flag": false, "ratio": .double(0.5),
                "nested": .table(["inner": "value"]), "list": .array([1, "two"]), "raw": .bytes([0, 1, 2]),
            ],
            persistent: false, timestamp: Date(timeIntervalSince1970: 1_700_000_000), appId: "hangar-tests")
        let writer = PoolWriter(pool: pool)
        let properties = writer.properties(message)
        let decoded = Decode.message(properties, body: writer.bytes(message.body))
        #expect(decoded == message)
    }

    @Test("absent optional properties stay absent")
    func absent() {
        let pool = UnsafeMutablePointer<amqp_pool_t>.allocate(capacity: 1)
        init_amqp_pool(pool, 4096)
        defer {
            empty_amqp_pool(pool)
            pool.deallocate()
        }
        let message = Message(body: [], messageId: "m")
        let writer = PoolWriter(pool: pool)
        let decoded = Decode.message(writer.properties(message), body: writer.bytes(message.body))
        #expect(decoded.contentType == nil)
        #expect(decoded.correlationId == nil)
        #expect(decoded.headers.isEmpty)
        #expect(decoded.persistent)
        #expect(decoded.body.isEmpty)
    }
}
