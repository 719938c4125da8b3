import Foundation
import Logging

/// The embedded default when no SMTP server is configured: each email becomes an `.eml` file
/// in a folder (written whole, then renamed into place) and a log line.
public struct OutboxTransport: MailTransport {
    /// The folder the `.eml` files are written to (`HANGAR_NOTIFIER_OUTBOX` in the notifier); created when missing.
    public let directory: String
    private let logger: Logger

    /// Creates a transport that writes into `directory` and logs each email it writes.
    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// For logs: `outbox` and the folder.
    public var description: String { "outbox \(directory)" }

    /// Writes the email to a file named after its key; the same email again replaces its file. A failed write is transient.
    public func send(_ email: OutgoingEmail) async -> SendResult {
        let name = Self.fileName(for: email)
        let final = URL(fileURLWithPath: directory).appendingPathComponent(name)
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(name).tmp")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(email.data).write(to: temporary)
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: temporary, to: final)
        } catch {
            return .transient("cannot write \(final.path): \(error)")
        }
        logger.info(
            "notifier.email.written",
            metadata: ["path": "\(final.path)", "to": "\(email.recipient)", "subject": "\(email.subject)"])
        return .delivered
    }

    /// A stable name per email (the same email twice overwrites its file): key and recipient,
    /// reduced to file-safe characters.
    static func fileName(for email: OutgoingEmail) -> String {
        let safe = "\(email.key)".unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.@".unicodeScalars.contains(scalar)))
                ? Character(scalar) : "_"
        }
        return String(safe.prefix(200)) + ".eml"
    }
}
