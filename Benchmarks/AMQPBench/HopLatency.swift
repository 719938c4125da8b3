import AMQPClient
import Foundation

/// One message at a time through a queue: publish with confirm, receive, ack — the latency
/// of one hop of the pipeline (each deployment makes about 13). Compares quorum and classic
/// queues, persistent messages both.
enum HopLatency {
    struct Figures {
        var confirm: [Duration] = []
        var delivery: [Duration] = []
    }

    static func measure(_ connection: AMQPConnection, quorum: Bool, hops: Int, size: Int) async throws -> Figures {
        let queue = "bench.latency.\(quorum ? "quorum" : "classic").\(ProcessInfo.processInfo.processIdentifier)"
        try await connection.declare(Topology(queues: [.init(name: queue, type: quorum ? .quorum : .classic)]))
        let consumer = try await connection.consume(queue: queue, prefetch: 10)
        var iterator = consumer.makeAsyncIterator()
        let body = [UInt8](repeating: 0x61, count: size)
        var figures = Figures()
        let clock = ContinuousClock()
        for index in 0..<(hops + 100) {
            let start = clock.now
            async let confirmed: Duration = {
                try await connection.publish(Message(body: body, messageId: String(index)), exchange: "", routingKey: queue, mandatory: false)
                return clock.now - start
            }()
            guard let delivery = try await iterator.next() else { throw BenchError("the consumer ended") }
            let delivered = clock.now - start
            try await delivery.ack()
            let confirm = try await confirmed
            if index >= 100 {  // warm-up
                figures.confirm.append(confirm)
                figures.delivery.append(delivered)
            }
        }
        await consumer.close()
        try await connection.deleteQueue(queue)
        return figures
    }

    static func percentile(_ values: [Duration], _ fraction: Double) -> String {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return "-" }
        let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        let milliseconds = Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
        return String(format: "%.2f", milliseconds)
    }
}
