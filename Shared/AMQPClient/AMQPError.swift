/// An error from the AMQP client. `code` says what went wrong and ``isRetriable`` whether
/// the same operation may succeed if tried again later.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a small closed set of cases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case invalidConfiguration
            case connectionFailed
            case connectionLost
            case authenticationFailed
            case channelClosed
            case declarationFailed
            case publishNacked
            case unroutable
            case timeout
            case shutdown
            case staleDelivery
            case consumerCancelled
            case messageTooLarge
            case protocolError
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The configuration or an argument is invalid. Not retriable.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The broker could not be reached. Retriable.
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection broke. Retriable.
        public static let connectionLost = Code(.connectionLost)
        /// The broker refused the credentials or the virtual host. Not retriable.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The broker closed a channel, for example publishing to a missing exchange.
        public static let channelClosed = Code(.channelClosed)
        /// Declaring an exchange, queue or binding failed (for example different arguments).
        public static let declarationFailed = Code(.declarationFailed)
        /// The broker answered a publish with `basic.nack`: it did not take responsibility. Retriable.
        public static let publishNacked = Code(.publishNacked)
        /// A mandatory message matched no queue and was returned. Not retriable as is.
        public static let unroutable = Code(.unroutable)
        /// The operation did not complete in time; its outcome is unknown. Retriable.
        public static let timeout = Code(.timeout)
        /// The connection is closing or closed by the application. Not retriable.
        public static let shutdown = Code(.shutdown)
        /// An ack or nack for a delivery received on a channel that no longer exists;
        /// the broker will redeliver the message. Not retriable.
        public static let staleDelivery = Code(.staleDelivery)
        /// The broker cancelled the consumer (for example its queue was deleted).
        public static let consumerCancelled = Code(.consumerCancelled)
        /// The message is larger than the broker accepts.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// Unexpected data from the broker or the library.
        public static let protocolError = Code(.protocolError)

        /// The code's name, for example `connectionLost`.
        public var description: String { backing.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The AMQP reply code from the broker (for example 404, 406, 320), when there is one.
    public var replyCode: UInt16?
    /// The rabbitmq-c status (`amqp_status_enum`), when a library call failed.
    public var libraryStatus: Int32?
    /// The file (`#fileID`) where the error was created, for debugging; not part of ``description``.
    public var file: String
    /// The line in ``file`` where the error was created.
    public var line: UInt

    /// An error with `code` and `message`, and the broker's reply code or rabbitmq-c's status when known.
    /// `file` and `line` default to the caller's location.
    public init(
        _ code: Code,
        _ message: String,
        replyCode: UInt16? = nil,
        libraryStatus: Int32? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.libraryStatus = libraryStatus
        self.file = file
        self.line = line
    }

    /// Whether trying the same operation again later may succeed.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .publishNacked, .timeout:
            return true
        case .channelClosed:
            // 404/403/406 are the application's fault; resource errors may pass.
            guard let replyCode else { return true }
            return ![403, 404, 406].contains(replyCode)
        default:
            return false
        }
    }

    /// `AMQPError.<code>: <message>`, followed by the reply code when there is one.
    public var description: String {
        var text = "AMQPError.\(code): \(message)"
        if let replyCode { text += " (reply code \(replyCode))" }
        return text
    }
}
