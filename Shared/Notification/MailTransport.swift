/// One rendered email for one recipient, as a transport sends it.
public struct OutgoingEmail: Sendable, Equatable {
    /// The envelope sender (`MAIL FROM`), a bare address.
    public var envelopeFrom: String
    /// The one envelope recipient (`RCPT TO`), a bare address.
    public var recipient: String
    /// The whole RFC 5322 message, CRLF line ends.
    public var data: [UInt8]
    /// For logs and file names: the store's key of this email.
    public var key: String
    /// For logs.
    public var subject: String

    /// Creates an email ready to send.
    public init(envelopeFrom: String, recipient: String, data: [UInt8], key: String, subject: String) {
        self.envelopeFrom = envelopeFrom
        self.recipient = recipient
        self.data = data
        self.key = key
        self.subject = subject
    }
}

/// What became of a send.
public enum SendResult: Sendable, Equatable {
    /// Accepted by the server (or written to the outbox).
    case delivered
    /// Try again later: server down, timeout, 4xx, TLS or login trouble.
    case transient(String)
    /// Never retry: a 5xx for this recipient or this message.
    case permanent(String)
}

/// Sends one email to its one recipient.
public protocol MailTransport: Sendable {
    func send(_ email: OutgoingEmail) async -> SendResult
    /// For logs: where mail goes.
    var description: String { get }
}
