import Crypto
import Foundation

/// Signs webhook bodies with HMAC-SHA256, the way receivers check them:
///
///     X-Hangar-Timestamp: 1795000000
///     X-Hangar-Signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>
///
/// Signing the timestamp with the body lets a receiver refuse replays of old deliveries.
public struct WebhookSignature: Sendable {
    /// The header that carries `sha256=<hex>`, the signature of the timestamp and the body.
    public static let signatureHeader = "X-Hangar-Signature"
    /// The header that carries the time of sending, in seconds since 1970, as signed.
    public static let timestampHeader = "X-Hangar-Timestamp"

    private let secret: [UInt8]

    /// Creates a signer with the HMAC key (see ``WebhookSecret``).
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// The `X-Hangar-Signature` value for `body` sent at `timestamp` (seconds since 1970).
    public func signature(body: [UInt8], timestamp: Int64) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        return "sha256=" + Self.hex(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// Checks a received signature in constant time (for receivers written in Swift, and tests).
    public func isValid(_ signature: String, body: [UInt8], timestamp: Int64) -> Bool {
        guard signature.hasPrefix("sha256="), let mac = Self.bytes(hex: String(signature.dropFirst(7))) else { return false }
        var message = Array("\(timestamp).".utf8)
        message += body
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key)
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            result.append(byte)
        }
        return result
    }
}
