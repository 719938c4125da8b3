import AMQPClient
import Foundation
import Logging

/// Measures the AMQP client on a real broker: publish+confirm and consume+ack throughput
/// for persistent messages on a quorum queue, the same pattern as
/// `Benchmarks/CReference/amqp_reference.c`. Prints one line of figures.
///
///     amqp-bench [--url amqp://…] [--messages 50000] [--size 1024] [--window 1000] [--prefetch 1000]
///     amqp-bench --latency 2000 [--size 1024]   # one message at a time, quorum vs classic queue
struct Options {
    var url = ProcessInfo.processInfo.environment["HANGAR_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    var messages = 50_000
    var size = 1024
    var window = 1000
    var prefetch = 1000
    /// Hops to time one at a time instead of measuring throughput.
    var latency: Int?

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--url": url = value
            case "--messages": messages = try Self.positive(flag, value)
            case "--size": size = try Self.positive(flag, value)
            case "--window": window = try Self.positive(flag, value)
            case "--prefetch": prefetch = min(try Self.positive(flag, value), Int(UInt16.max))
            case "--latency": latency = try Self.positive(flag, value)
            default: throw BenchError("unknown option \(flag)")
            }
        }
    }

    static func positive(_ flag: String, _ value: String) throws -> Int {
        guard let number = Int(value), number > 0 else { throw BenchError("\(flag) must be a positive integer") }
        return number
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func rate(_ count: Int, _ elapsed: Duration) -> Int {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Int(Double(count) / seconds)
}

func publishPhase(_ connection: AMQPConnection, queue: String, options: Options) async throws -> Duration {
    let body = [UInt8](repeating: 0x61, count: options.size)
    let clock = ContinuousClock()
    return try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for index in 0..<options.messages {
                if inFlight >= options.window {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask {
                    try await connection.publish(
                        Message(body: body, messageId: String(index)), exchange: "", routingKey: queue, mandatory: false)
                }
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }
}

func consumePhase(_ connection: AMQPConnection, queue: String, options: Options) async throws -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    let consumer = try await connection.consume(queue: queue, prefetch: UInt16(options.prefetch))
    var received = 0
    for try await delivery in consumer {
        try await delivery.ack()
        received += 1
        if received == options.messages { break }
    }
    let elapsed = clock.now - start
    await consumer.close()
    return elapsed
}

@main
enum AMQPBench {
    static func main() async {
        do {
            let options = try Options(arguments: CommandLine.arguments)
            var logger = Logger(label: "amqp-bench")
            logger.logLevel = .warning
            let configuration = try AMQPConfiguration(url: options.url, connectionName: "amqp-bench")
            let connection = AMQPConnection(configuration: configuration, logger: logger)
            try await connection.waitUntilConnected(timeout: .seconds(10))
            if let hops = options.latency {
                for quorum in [true, false] {
                    let figures = try await HopLatency.measure(connection, quorum: quorum, hops: hops, size: options.size)
                    print(
                        "swift latency queue=\(quorum ? "quorum" : "classic") hops=\(hops) size=\(options.size)"
                            + " confirm_ms_p50=\(HopLatency.percentile(figures.confirm, 0.5)) confirm_ms_p99=\(HopLatency.percentile(figures.confirm, 0.99))"
                            + " delivery_ms_p50=\(HopLatency.percentile(figures.delivery, 0.5)) delivery_ms_p99=\(HopLatency.percentile(figures.delivery, 0.99))"
                    )
                }
                await connection.close()
                return
            }
            let queue = "bench.swift.\(ProcessInfo.processInfo.processIdentifier)"
            try await connection.declare(Topology(queues: [.init(name: queue)]))

            let publishing = try await publishPhase(connection, queue: queue, options: options)
            let consuming = try await consumePhase(connection, queue: queue, options: options)
            try await connection.deleteQueue(queue)
            await connection.close()
            print(
                "swift messages=\(options.messages) size=\(options.size) window=\(options.window) prefetch=\(options.prefetch)"
                    + " publish_confirm_msgs_per_s=\(rate(options.messages, publishing))"
                    + " consume_ack_msgs_per_s=\(rate(options.messages, consuming))")
        } catch {
            FileHandle.standardError.write(Data("amqp-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}
