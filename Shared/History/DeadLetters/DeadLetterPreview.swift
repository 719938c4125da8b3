import Foundation

/// The start of a dead letter's body that is safe to show: in a JSON body, the values of keys
/// that look secret (token, secret, password, key, credential, authorization, signature) are
/// replaced by `"***"` at any depth, and so are the user part and query of URLs; a body that
/// is not JSON shows its printable characters.
/// At most ``limit`` characters.
enum DeadLetterPreview {
    static let limit = 400
    static let hidden = ["token", "secret", "password", "passwd", "key", "credential", "authorization", "signature", "cookie"]

    static func make(_ body: [UInt8]) -> String {
        let text: String
        if let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            let data = try? JSONSerialization.data(
                withJSONObject: redact(object), options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        {
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(
                String(decoding: body.prefix(limit * 4), as: UTF8.self).map {
                    $0.isLetter || $0.isNumber || $0.isPunctuation || $0.isSymbol || $0 == " " ? $0 : "·"
                })
        }
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    static func redact(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var copy: [String: Any] = [:]
            for (key, value) in object {
                let lower = key.lowercased()
                copy[key] = hidden.contains { lower.contains($0) } ? "***" : redact(value)
            }
            return copy
        }
        if let array = value as? [Any] { return array.map(redact) }
        if let text = value as? String, text.contains("://"), var url = URLComponents(string: text) {
            // A URL may carry a secret in its user part or its query (a webhook's token).
            if url.user != nil || url.password != nil {
                url.user = "***"
                url.password = nil
            }
            if url.query != nil { url.query = "***" }
            return url.string ?? "***"
        }
        return value
    }
}
