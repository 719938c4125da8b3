/// Exchanges, queues and bindings that a service needs. Declared idempotently at every
/// (re)connect by ``AMQPConnection/declare(_:)``.
public struct Topology: Sendable, Equatable {
    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// An exchange.
    public struct Exchange: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case direct, topic, fanout, headers
        }

        public var name: String
        public var kind: Kind
        public var durable: Bool

        public init(name: String, kind: Kind = .topic, durable: Bool = true) {
            self.name = name
            self.kind = kind
            self.durable = durable
        }
    }

    /// A queue. By default a durable quorum queue.
    public struct Queue: Sendable, Equatable {
        public var name: String
        public var durable: Bool
        /// Quorum queue (`x-queue-type: quorum`): replicated, with a delivery limit.
        public var quorum: Bool
        /// Deliveries after which a message is dead-lettered (`x-delivery-limit`, quorum only).
        public var deliveryLimit: Int?
        /// Where rejected or over-limit messages go (`x-dead-letter-exchange`).
        public var deadLetterExchange: String?
        /// Routing key for dead letters (`x-dead-letter-routing-key`); default: the original key.
        public var deadLetterRoutingKey: String?
        /// Only one consumer at a time receives messages (`x-single-active-consumer`).
        public var singleActiveConsumer: Bool
        /// Further `x-` arguments.
        public var arguments: [String: FieldValue]

        public init(
            name: String,
            durable: Bool = true,
            quorum: Bool = true,
            deliveryLimit: Int? = nil,
            deadLetterExchange: String? = nil,
            deadLetterRoutingKey: String? = nil,
            singleActiveConsumer: Bool = false,
            arguments: [String: FieldValue] = [:]
        ) {
            self.name = name
            self.durable = durable
            self.quorum = quorum
            self.deliveryLimit = deliveryLimit
            self.deadLetterExchange = deadLetterExchange
            self.deadLetterRoutingKey = deadLetterRoutingKey
            self.singleActiveConsumer = singleActiveConsumer
            self.arguments = arguments
        }

        /// The `x-` arguments sent with `queue.declare`.
        public var declareArguments: [String: FieldValue] {
            var result = arguments
            if quorum { result["x-queue-type"] = "quorum" }
            if let deliveryLimit { result["x-delivery-limit"] = .int(Int64(deliveryLimit)) }
            if let deadLetterExchange { result["x-dead-letter-exchange"] = .string(deadLetterExchange) }
            if let deadLetterRoutingKey { result["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
            if singleActiveConsumer { result["x-single-active-consumer"] = true }
            return result
        }
    }

    /// Routes messages from an exchange to a queue.
    public struct Binding: Sendable, Equatable {
        public var queue: String
        public var exchange: String
        public var routingKey: String

        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    /// Combines two topologies.
    public static func + (lhs: Topology, rhs: Topology) -> Topology {
        Topology(
            exchanges: lhs.exchanges + rhs.exchanges,
            queues: lhs.queues + rhs.queues,
            bindings: lhs.bindings + rhs.bindings
        )
    }

    /// A work queue with its dead-letter queue: `name` is bound to nothing, and messages
    /// rejected or delivered more than `deliveryLimit` times go through `deadLetterExchange`
    /// (a topic exchange) to `name.dead`.
    public static func workQueue(
        _ name: String,
        deliveryLimit: Int = 5,
        deadLetterExchange: String,
        singleActiveConsumer: Bool = false
    ) -> Topology {
        Topology(
            exchanges: [Exchange(name: deadLetterExchange, kind: .topic)],
            queues: [
                Queue(
                    name: name,
                    deliveryLimit: deliveryLimit,
                    deadLetterExchange: deadLetterExchange,
                    deadLetterRoutingKey: name,
                    singleActiveConsumer: singleActiveConsumer
                ),
                Queue(name: "\(name).dead"),
            ],
            bindings: [Binding(queue: "\(name).dead", exchange: deadLetterExchange, routingKey: name)]
        )
    }
}
