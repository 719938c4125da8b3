/// Exchanges, queues and bindings that a service needs. Declared idempotently at every
/// (re)connect by ``AMQPConnection/declare(_:)``.
public struct Topology: Sendable, Equatable {
    /// Exchanges to declare; they are declared first.
    public var exchanges: [Exchange]
    /// Queues to declare, after the exchanges.
    public var queues: [Queue]
    /// Bindings to declare last, once their exchanges and queues exist.
    public var bindings: [Binding]

    /// A topology of these exchanges, queues and bindings; any of them may be empty.
    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// An exchange.
    public struct Exchange: Sendable, Equatable {
        /// The exchange type: how it matches a message's routing key against its bindings. `topic` matches
        /// patterns (`*` is one word, `#` zero or more words), `direct` the exact key; `fanout` ignores the key
        /// and `headers` matches message headers instead.
        public enum Kind: String, Sendable {
            case direct, topic, fanout, headers
        }

        /// The exchange's name, for example `hangar.commands`.
        public var name: String
        /// The exchange type sent with `exchange.declare`. Default: `topic`.
        public var kind: Kind
        /// Whether the exchange survives a broker restart. Default: `true`.
        public var durable: Bool

        /// An exchange to declare: by default a durable topic exchange. It is declared without arguments,
        /// not auto-deleted and not internal.
        public init(name: String, kind: Kind = .topic, durable: Bool = true) {
            self.name = name
            self.kind = kind
            self.durable = durable
        }
    }

    /// A queue. By default a durable quorum queue.
    public struct Queue: Sendable, Equatable {
        /// The queue's name. The default exchange routes a message to the queue whose name is its routing key.
        public var name: String
        /// Whether the queue survives a broker restart. Default: `true`. Its messages survive only if they
        /// were published persistent as well.
        public var durable: Bool
        /// Classic or quorum (`x-queue-type`).
        public var type: QueueType
        /// Deliveries after which the broker dead-letters a message (`x-delivery-limit`). Only a
        /// quorum queue counts deliveries; on a classic queue the consumer must count them.
        public var deliveryLimit: Int?
        /// Where rejected or over-limit messages go (`x-dead-letter-exchange`).
        public var deadLetterExchange: String?
        /// Routing key for dead letters (`x-dead-letter-routing-key`); default: the original key.
        public var deadLetterRoutingKey: String?
        /// Only one consumer at a time receives messages (`x-single-active-consumer`).
        public var singleActiveConsumer: Bool
        /// Further `x-` arguments.
        public var arguments: [String: FieldValue]

        /// A queue to declare: by default a durable quorum queue with no delivery limit and no dead-lettering.
        /// It is declared neither exclusive nor auto-deleted; ``declareArguments`` turns the settings into `x-` arguments.
        public init(
            name: String,
            durable: Bool = true,
            type: QueueType = .quorum,
            deliveryLimit: Int? = nil,
            deadLetterExchange: String? = nil,
            deadLetterRoutingKey: String? = nil,
            singleActiveConsumer: Bool = false,
            arguments: [String: FieldValue] = [:]
        ) {
            self.name = name
            self.durable = durable
            self.type = type
            self.deliveryLimit = deliveryLimit
            self.deadLetterExchange = deadLetterExchange
            self.deadLetterRoutingKey = deadLetterRoutingKey
            self.singleActiveConsumer = singleActiveConsumer
            self.arguments = arguments
        }

        /// The `x-` arguments sent with `queue.declare`.
        public var declareArguments: [String: FieldValue] {
            var result = arguments
            // A transient queue is left to the broker's default (classic); naming the type of a
            // durable one makes a mismatch with an existing queue a clear PRECONDITION_FAILED.
            if type == .quorum || durable { result["x-queue-type"] = .string(type.rawValue) }
            if type == .quorum, let deliveryLimit { result["x-delivery-limit"] = .int(Int64(deliveryLimit)) }
            if let deadLetterExchange { result["x-dead-letter-exchange"] = .string(deadLetterExchange) }
            if let deadLetterRoutingKey { result["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
            if singleActiveConsumer { result["x-single-active-consumer"] = true }
            return result
        }
    }

    /// Routes messages from an exchange to a queue.
    public struct Binding: Sendable, Equatable {
        /// The queue that receives the matching messages.
        public var queue: String
        /// The exchange the messages are published to.
        public var exchange: String
        /// The binding key: a pattern such as `step.*` or `#` on a topic exchange, the exact routing key on a
        /// direct exchange.
        public var routingKey: String

        /// A binding of `queue` to `exchange` with the binding key `routingKey`.
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
    /// rejected (or, on a quorum queue, delivered more than `deliveryLimit` times) go through
    /// `deadLetterExchange` (a topic exchange) to `name.dead`, a queue of the same type.
    public static func workQueue(
        _ name: String,
        type: QueueType = .quorum,
        deliveryLimit: Int = 5,
        deadLetterExchange: String,
        singleActiveConsumer: Bool = false
    ) -> Topology {
        Topology(
            exchanges: [Exchange(name: deadLetterExchange, kind: .topic)],
            queues: [
                Queue(
                    name: name,
                    type: type,
                    deliveryLimit: deliveryLimit,
                    deadLetterExchange: deadLetterExchange,
                    deadLetterRoutingKey: name,
                    singleActiveConsumer: singleActiveConsumer
                ),
                Queue(name: "\(name).dead", type: type),
            ],
            bindings: [Binding(queue: "\(name).dead", exchange: deadLetterExchange, routingKey: name)]
        )
    }
}

/// The kind of a durable queue.
///
/// A queue's type cannot change in place: declaring an existing queue with another type fails
/// with `PRECONDITION_FAILED` (406). To change it, drain the queue, delete it and declare it
/// anew.
public enum QueueType: String, Sendable, Equatable, CaseIterable {
    /// A classic queue: lives on one node, persistent messages survive a restart; the cheapest
    /// hop (no replication). No delivery limit: consumers count redeliveries themselves.
    case classic
    /// A quorum queue (Raft): replicated over the cluster's nodes, with a delivery limit that
    /// dead-letters poison messages. Each hop costs a consensus round.
    case quorum
}
