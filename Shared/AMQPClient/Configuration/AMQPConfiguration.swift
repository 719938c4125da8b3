import Foundation

/// How to reach a RabbitMQ broker and how the connection behaves.
///
/// Required values are taken by `init`; everything else has a documented default.
/// Load it from an `amqp://` or `amqps://` URL with ``init(url:connectionName:)``; Hangar's
/// services read the URL and the other settings from their environment (`HangarSettings`).
public struct AMQPConfiguration: Sendable, Equatable {
    /// Broker host name or address.
    public var host: String
    /// Broker port. Default: 5672, or 5671 with TLS.
    public var port: Int
    /// The other nodes of a cluster, tried in turn after ``host``:``port`` when it cannot be
    /// reached or the connection to it is lost (same credentials, virtual host and TLS).
    public var alternates: [Endpoint] = []

    /// A node's address.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// Host name or IP address of the node.
        public var host: String
        /// AMQP port of the node (5672 by default, 5671 with TLS).
        public var port: Int

        /// A node at `host` and `port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with an IPv6 address in brackets; used in logs and redacted URLs.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// ``host``:``port`` first, then the ``alternates``.
    public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + alternates }
    /// Virtual host. Default: `/`.
    public var virtualHost: String
    /// User name for SASL PLAIN. Default: `guest`.
    public var user: String
    /// Password for SASL PLAIN. Default: `guest`. Never logged.
    public var password: String
    /// Heartbeat interval negotiated with the broker. Default: 10 s.
    /// The connection is considered dead after two intervals of silence.
    public var heartbeat: Duration
    /// Name shown in the management UI and API (`client_properties.connection_name`)
    /// and attached to every log line of the connection.
    public var connectionName: String
    /// TLS settings; `nil` means plain TCP.
    public var tls: TLS?
    /// Time allowed to open the socket and complete the AMQP handshake. Default: 10 s.
    public var connectTimeout: Duration
    /// Time allowed for a synchronous broker operation (declare, consume, cancel). Default: 30 s.
    public var operationTimeout: Duration
    /// How long a publish may wait for the broker's confirm, including time spent
    /// reconnecting, before it fails with ``AMQPError/Code-swift.struct/timeout``. Default: 60 s.
    public var publishTimeout: Duration
    /// Delays between reconnection attempts.
    public var reconnect: Backoff
    /// The type of the durable work queues a service declares (`HANGAR_QUEUE_TYPE`): classic on
    /// one broker node (the default: quorum replicates nothing there and costs each hop a
    /// consensus round), quorum on a cluster. A setting of the broker deployment: every service
    /// of one Hangar must use the same.
    public var queueType: QueueType

    /// TLS (`amqps`) through rabbitmq-c's OpenSSL socket.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the certificate authorities to trust; `nil` uses none beyond what
        /// OpenSSL loads by default.
        public var caCertificatePath: String?
        /// Client certificate (PEM) for mutual TLS (`certfile` in the URL).
        public var clientCertificatePath: String?
        /// Private key (PEM) of ``clientCertificatePath`` (`keyfile` in the URL). rabbitmq-c presents a client
        /// certificate only when both paths are set.
        public var clientKeyPath: String?
        /// Verify the broker's certificate chain. Default: `true`.
        public var verifyPeer: Bool
        /// Verify that the certificate names the host. Default: `true`.
        public var verifyHostname: Bool

        /// TLS settings. By default the broker's certificate chain and host name are verified and no client
        /// certificate is sent.
        public init(
            caCertificatePath: String? = nil,
            clientCertificatePath: String? = nil,
            clientKeyPath: String? = nil,
            verifyPeer: Bool = true,
            verifyHostname: Bool = true
        ) {
            self.caCertificatePath = caCertificatePath
            self.clientCertificatePath = clientCertificatePath
            self.clientKeyPath = clientKeyPath
            self.verifyPeer = verifyPeer
            self.verifyHostname = verifyHostname
        }
    }

    /// Capped exponential backoff with full jitter.
    public struct Backoff: Sendable, Equatable {
        /// First delay. Default: 100 ms.
        public var initial: Duration
        /// Largest delay. Default: 5 s.
        public var maximum: Duration
        /// Growth factor between attempts. Default: 2.
        public var multiplier: Double
        /// Fraction of each delay that is randomised (0 = none, 1 = full jitter). Default: 0.5.
        public var jitter: Double

        /// A backoff policy. The defaults give delays of 100 ms, 200 ms, 400 ms … up to 5 s, each cut by up
        /// to half at random.
        public init(
            initial: Duration = .milliseconds(100),
            maximum: Duration = .seconds(5),
            multiplier: Double = 2,
            jitter: Double = 0.5
        ) {
            self.initial = initial
            self.maximum = maximum
            self.multiplier = multiplier
            self.jitter = jitter
        }

        /// The delay before attempt `attempt` (0-based).
        public func delay(attempt: Int) -> Duration {
            let base = initial.seconds * pow(multiplier, Double(min(attempt, 32)))
            let capped = min(base, maximum.seconds)
            let randomised = capped * (1 - jitter * Double.random(in: 0...1))
            return .nanoseconds(Int64(randomised * 1e9))
        }
    }

    /// A configuration for one node. The port defaults to 5672, or 5671 when `tls` is set. The other
    /// settings take their defaults: heartbeat 10 s, connect timeout 10 s, operation timeout 30 s,
    /// publish timeout 60 s, classic queues, and the default ``Backoff``.
    public init(
        host: String = "127.0.0.1",
        port: Int? = nil,
        virtualHost: String = "/",
        user: String = "guest",
        password: String = "guest",
        connectionName: String = "hangar",
        tls: TLS? = nil
    ) {
        self.host = host
        self.port = port ?? (tls == nil ? 5672 : 5671)
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
        self.heartbeat = .seconds(10)
        self.connectionName = connectionName
        self.tls = tls
        self.connectTimeout = .seconds(10)
        self.operationTimeout = .seconds(30)
        self.publishTimeout = .seconds(60)
        self.reconnect = Backoff()
        self.queueType = .classic
    }

    /// Parses `amqp://user:password@host:port/vhost?heartbeat=10&connection_name=x`
    /// (or `amqps://…`). The vhost is percent-decoded: `%2F` is `/`; an empty path is `/`.
    ///
    /// A cluster's nodes are a comma-separated list of such URLs: the first gives every
    /// setting, the others their host and port (``alternates``), and each must name the same
    /// scheme, user and virtual host.
    public init(url list: String, connectionName: String = "hangar") throws {
        let urls = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = urls.first else { throw AMQPError(.invalidConfiguration, "no amqp:// URL given") }
        try self.init(single: first, connectionName: connectionName)
        for url in urls.dropFirst() {
            let other = try AMQPConfiguration(single: url, connectionName: connectionName)
            guard (other.tls == nil) == (tls == nil), other.user == user, other.virtualHost == virtualHost
            else {
                throw AMQPError(
                    .invalidConfiguration,
                    "every address of a cluster must use the same scheme, user and virtual host as the first: \(Self.redacted(url))")
            }
            alternates.append(Endpoint(host: other.host, port: other.port))
        }
    }

    private init(single string: String, connectionName: String) throws {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme?.lowercased(),
            scheme == "amqp" || scheme == "amqps"
        else {
            throw AMQPError(.invalidConfiguration, "not an amqp:// or amqps:// URL: \(Self.redacted(string))")
        }
        let tls: TLS? = scheme == "amqps" ? TLS() : nil
        var vhost = "/"
        let path = components.percentEncodedPath
        if path.count > 1 {
            vhost = String(path.dropFirst()).removingPercentEncoding ?? String(path.dropFirst())
        }
        self.init(
            host: components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: components.port,
            virtualHost: vhost,
            user: components.user?.removingPercentEncoding ?? "guest",
            password: components.password?.removingPercentEncoding ?? "guest",
            connectionName: connectionName,
            tls: tls
        )
        for item in components.queryItems ?? [] {
            guard let value = item.value else { continue }
            switch item.name {
            case "heartbeat":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw AMQPError(.invalidConfiguration, "heartbeat must be a whole number of seconds, got \(value)")
                }
                heartbeat = .seconds(seconds)
            case "connection_timeout":
                guard let ms = Int(value), ms > 0 else {
                    throw AMQPError(.invalidConfiguration, "connection_timeout must be milliseconds, got \(value)")
                }
                connectTimeout = .milliseconds(ms)
            case "connection_name":
                self.connectionName = value
            case "cacertfile":
                self.tls?.caCertificatePath = value
            case "certfile":
                self.tls?.clientCertificatePath = value
            case "keyfile":
                self.tls?.clientKeyPath = value
            case "verify":
                self.tls?.verifyPeer = value != "verify_none"
                self.tls?.verifyHostname = value != "verify_none"
            default:
                continue
            }
        }
    }

    /// The URL without its password, for logs (the first node's; see ``redactedURL(of:)``).
    public var redactedURL: String { redactedURL(of: Endpoint(host: host, port: port)) }

    /// The URL of one node without its password.
    public func redactedURL(of endpoint: Endpoint) -> String {
        let scheme = tls == nil ? "amqp" : "amqps"
        let vhost = virtualHost == "/" ? "" : (virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? virtualHost)
        return "\(scheme)://\(user)@\(endpoint)/\(vhost)"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparseable URL>" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "<unparseable URL>"
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    var milliseconds: Int {
        Int((seconds * 1000).rounded())
    }
}
