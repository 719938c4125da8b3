import Foundation

/// The key webhooks are signed with: `HANGAR_WEBHOOK_SECRET`, or (embedded default) a random
/// key kept in `<data dir>/webhook-secret`, created on first start with mode 0600, so that
/// receivers can be given it and it survives restarts.
public enum WebhookSecret {
    /// A key that cannot be used: shorter than 16 characters, or a key file that cannot be written.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong, naming the variable or the file.
        public var description: String
    }

    /// The secret from `value` when set, else from (or into) `file`.
    public static func load(value: String?, file: String) throws -> [UInt8] {
        if let value, !value.isEmpty {
            guard value.utf8.count >= 16 else { throw Invalid(description: "HANGAR_WEBHOOK_SECRET must be at least 16 characters") }
            return Array(value.utf8)
        }
        if let existing = FileManager.default.contents(atPath: file) {
            let text = String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.utf8.count >= 16 else { throw Invalid(description: "\(file) holds a webhook secret shorter than 16 characters") }
            return Array(text.utf8)
        }
        var generator = SystemRandomNumberGenerator()
        let text = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let directory = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Invalid(description: "cannot write the webhook secret to \(file)")
        }
        return Array(text.utf8)
    }
}
