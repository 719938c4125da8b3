import AMQPClient
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("an amqp URL gives host, port, credentials, vhost and options")
    func parsesURL() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://hangar:s%40cret@broker.internal:5673/prod%2Fhangar?heartbeat=5&connection_name=worker-1",
            connectionName: "ignored")
        #expect(configuration.host == "broker.internal")
        #expect(configuration.port == 5673)
        #expect(configuration.user == "hangar")
        #expect(configuration.password == "s@cret")
        #expect(configuration.virtualHost == "prod/hangar")
        #expect(configuration.heartbeat == .seconds(5))
        #expect(configuration.connectionName == "worker-1")
        #expect(configuration.tls == nil)
        #expect(!configuration.redactedURL.contains("s@cret"))
    }

    @Test("defaults: guest on 127.0.0.1:5672, vhost /")
    func defaults() throws {
        let configuration = try AMQPConfiguration(url: "amqp://", connectionName: "x")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 5672)
        #expect(configuration.virtualHost == "/")
        #expect(configuration.user == "guest")
    }

    @Test("amqps selects TLS and port 5671 with verification on")
    func tls() throws {
        let configuration = try AMQPConfiguration(
            url: "amqps://u:p@broker/?cacertfile=/etc/ca.pem", connectionName: "x")
        #expect(configuration.port == 5671)
        #expect(configuration.tls?.caCertificatePath == "/etc/ca.pem")
        #expect(configuration.tls?.verifyPeer == true)
    }

    @Test(
        "bad URLs and values are rejected with invalidConfiguration",
        arguments: [
            "http://broker/", "not a url", "amqp://broker/?heartbeat=soon",
        ])
    func rejectsBadURL(_ url: String) {
        #expect {
            try AMQPConfiguration(url: url, connectionName: "x")
        } throws: { ($0 as? AMQPError)?.code == .invalidConfiguration }
    }

    @Test("reconnect backoff grows, is capped, and is jittered")
    func backoff() {
        let backoff = AMQPConfiguration.Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0.5)
        for attempt in 0..<20 {
            let delay = backoff.delay(attempt: attempt)
            let ceiling = min(Duration.milliseconds(100) * (1 << min(attempt, 20)), .seconds(2))
            #expect(delay <= ceiling)
            #expect(delay >= ceiling / 2)
        }
        let delays = Set((0..<50).map { _ in backoff.delay(attempt: 10) })
        #expect(delays.count > 1, "jitter spreads reconnecting clients")
    }

    @Test("errors say whether they are retriable")
    func retriable() {
        #expect(AMQPError(.connectionLost, "x").isRetriable)
        #expect(AMQPError(.timeout, "x").isRetriable)
        #expect(!AMQPError(.unroutable, "x").isRetriable)
        #expect(!AMQPError(.channelClosed, "x", replyCode: 404).isRetriable)
        #expect(!AMQPError(.authenticationFailed, "x").isRetriable)
    }

    @Test("a work queue topology is a quorum queue with a delivery limit and its dead-letter queue")
    func workQueue() {
        let topology = Topology.workQueue("hangar.steps", deliveryLimit: 3, deadLetterExchange: "hangar.dead")
        let queue = topology.queues[0]
        #expect(queue.declareArguments["x-queue-type"] == "quorum")
        #expect(queue.declareArguments["x-delivery-limit"] == .int(3))
        #expect(queue.declareArguments["x-dead-letter-exchange"] == "hangar.dead")
        #expect(topology.queues[1].name == "hangar.steps.dead")
        #expect(topology.bindings == [.init(queue: "hangar.steps.dead", exchange: "hangar.dead", routingKey: "hangar.steps")])
    }

    @Test("a classic work queue names its type, dead-letters rejects, and sends no delivery limit (classic queues have none)")
    func classicWorkQueue() {
        let topology = Topology.workQueue("hangar.steps", type: .classic, deliveryLimit: 3, deadLetterExchange: "hangar.dead")
        let queue = topology.queues[0]
        #expect(queue.declareArguments["x-queue-type"] == "classic")
        #expect(queue.declareArguments["x-delivery-limit"] == nil)
        #expect(queue.declareArguments["x-dead-letter-exchange"] == "hangar.dead")
        #expect(topology.queues[1].declareArguments["x-queue-type"] == "classic", "the dead-letter queue has the same type")
        #expect(Topology.Queue(name: "private", durable: false, type: .classic).declareArguments["x-queue-type"] == nil)
    }

    @Test("a cluster: a comma-separated list of URLs gives the first node's settings and the others' addresses, tried in that order")
    func clusterList() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://hangar:secret@10.0.0.1:5672/prod?heartbeat=20, amqp://hangar:secret@10.0.0.2:5673/prod,amqp://hangar:secret@node-3/prod")
        #expect(configuration.host == "10.0.0.1" && configuration.port == 5672 && configuration.user == "hangar")
        #expect(configuration.virtualHost == "prod" && configuration.heartbeat == .seconds(20))
        #expect(configuration.endpoints.map(\.description) == ["10.0.0.1:5672", "10.0.0.2:5673", "node-3:5672"])
        #expect(configuration.redactedURL(of: configuration.endpoints[1]) == "amqp://hangar@10.0.0.2:5673/prod")
        #expect(!configuration.redactedURL(of: configuration.endpoints[2]).contains("secret"))
        #expect(try AMQPConfiguration(url: "amqp://127.0.0.1/").alternates.isEmpty)
    }

    @Test(
        "a cluster's addresses must share scheme, user and virtual host; the error names the address without its password",
        arguments: [
            "amqp://a:pw@h1/v,amqp://b:pw@h2/v", "amqp://a:pw@h1/v,amqp://a:pw@h2/w", "amqp://a:pw@h1/v,amqps://a:pw@h2/v",
            "amqp://a:pw@h1/v,http://h2",
        ])
    func clusterMismatch(_ url: String) {
        #expect {
            try AMQPConfiguration(url: url)
        } throws: { ($0 as? AMQPError)?.code == .invalidConfiguration && !"\($0)".contains("pw@") }
    }
}
