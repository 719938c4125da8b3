import Foundation

/// An email with a text and an HTML part, rendered as RFC 5322 / MIME: multipart/alternative,
/// UTF-8 parts in base64, RFC 2047 encoded-word subject and display name when not ASCII,
/// an RFC 5322 `Date` and a `Message-ID`. Every header value is made a single line first
/// (``HeaderSafety``), so no input can add a header.
public struct EmailMessage: Sendable, Equatable {
    /// The sender's display name in the `From` header; nil for the bare address.
    public var fromName: String?
    /// The sender's address in the `From` header.
    public var fromAddress: String
    /// The one recipient's address, the `To` header.
    public var to: String
    /// The `Subject` header, encoded as RFC 2047 words when not ASCII.
    public var subject: String
    /// The time in the `Date` header.
    public var date: Date
    /// Without angle brackets: `id@hangar`.
    public var messageId: String
    /// The plain text part.
    public var text: String
    /// The HTML part, shown by clients that can.
    public var html: String
    /// Extra headers (name: value), for example `X-Hangar-Deployment`.
    public var extraHeaders: [(String, String)]

    /// Creates a message; nothing is checked or encoded until ``rendered()``.
    public init(
        fromName: String?, fromAddress: String, to: String, subject: String, date: Date, messageId: String, text: String, html: String,
        extraHeaders: [(String, String)] = []
    ) {
        self.fromName = fromName
        self.fromAddress = fromAddress
        self.to = to
        self.subject = subject
        self.date = date
        self.messageId = messageId
        self.text = text
        self.html = html
        self.extraHeaders = extraHeaders
    }

    /// Two messages are equal when they render to the same bytes.
    public static func == (lhs: EmailMessage, rhs: EmailMessage) -> Bool {
        lhs.rendered() == rhs.rendered()
    }

    /// The message's bytes, CRLF line ends.
    public func rendered() -> [UInt8] {
        let boundary = "=_hangar_" + String(UInt64(truncatingIfNeeded: Self.fnv1a(messageId)), radix: 36)
        var lines: [String] = []
        func header(_ name: String, _ value: String) {
            lines.append("\(HeaderSafety.singleLine(name).filter { $0 != ":" && $0 != " " }): \(value)")
        }
        header("From", Self.mailbox(name: fromName, address: fromAddress))
        header("To", "<\(HeaderSafety.singleLine(to))>")
        header("Subject", Self.encodeWord(HeaderSafety.singleLine(subject)))
        header("Date", Self.rfc5322Date(date))
        header("Message-ID", "<\(HeaderSafety.singleLine(messageId).filter { $0 != "<" && $0 != ">" && $0 != " " })>")
        header("MIME-Version", "1.0")
        for (name, value) in extraHeaders { header(name, Self.encodeWord(HeaderSafety.singleLine(value))) }
        header("Auto-Submitted", "auto-generated")
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("This is a multi-part message in MIME format.")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Self.base64Lines(Array(Self.crlf(body).utf8)))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    // MARK: Pieces

    /// `"Name" <address>` or `=?UTF-8?B?…?= <address>`, or the bare `<address>`.
    static func mailbox(name: String?, address: String) -> String {
        let address = "<\(HeaderSafety.singleLine(address).filter { $0 != "<" && $0 != ">" && $0 != " " })>"
        guard let name = name.map(HeaderSafety.singleLine), !name.isEmpty else { return address }
        if name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" \(address)"
        }
        return "\(encodeWord(name)) \(address)"
    }

    /// ASCII text as is; otherwise RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters,
    /// never splitting a character, folded with CRLF + space.
    static func encodeWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII }) { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Sun, 22 Nov 2026 04:21:49 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(days[(parts.weekday ?? 1) - 1]), \(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
