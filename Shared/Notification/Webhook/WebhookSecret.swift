import Foundation
import HangarSettings

/// The key webhooks are signed with: `HANGAR_WEBHOOK_SECRET`, or (embedded default) a random
/// key kept in `<data dir>/webhook-secret`, created on first start with mode 0600, so that
/// receivers can be given it and it survives restarts.
public enum WebhookSecret {
    /// The secret from `value` when set, else from (or into) `file`. Throws a ``SettingError``
    /// naming `HANGAR_WEBHOOK_SECRET` (and the file), never the secret.
    public static func load(value: String?, file: String) throws(SettingError) -> [UInt8] {
        let name = Setting.webhookSecret.name
        if let value, !value.isEmpty {
            guard value.utf8.count >= 16 else { throw SettingError(name, accepts: "at least 16 characters") }
            return Array(value.utf8)
        }
        if let existing = FileManager.default.contents(atPath: file) {
            let text = String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.utf8.count >= 16 else { throw SettingError("\(name) (unset: the key in \(file))", accepts: "at least 16 characters") }
            return Array(text.utf8)
        }
        var generator = SystemRandomNumberGenerator()
        let text = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let directory = (file as NSString).deletingLastPathComponent
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
            FileManager.default.createFile(atPath: file, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw SettingError("\(name) (unset: a new key in \(file))", accepts: "set, or a data folder where the key can be written")
        }
        return Array(text.utf8)
    }
}
