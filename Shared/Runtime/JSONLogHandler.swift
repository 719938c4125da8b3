import Foundation
import HangarContracts
import Logging
import Synchronization

/// How a service writes its log lines (`HANGAR_LOG_FORMAT`).
public enum LogFormat: String, Sendable {
    /// swift-log's own lines: `time level label: metadata [source] message`.
    case text
    /// One JSON object per line: `time`, `level`, `service`, `message`, `source` and the
    /// `metadata` object (deployment id, step, message id…), for a log shipper to index.
    case json
}

/// A swift-log handler writing one JSON object per line to standard error.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        var text = #"{"time":"\#(HangarJSON.formatDate(Date()))","level":"\#(event.level.rawValue)","service":"#
        Self.appendString(label, to: &text)
        text += #","message":"#
        Self.appendString(event.message.description, to: &text)
        text += #","source":"#
        Self.appendString(event.source, to: &text)
        if let error = event.error {
            text += #","error":"#
            Self.appendString("\(error)", to: &text)
        }
        if !merged.isEmpty {
            text += #","metadata":"#
            Self.append(.dictionary(merged), to: &text)
        }
        text += "}\n"
        write(text)
    }

    /// Writes whole lines to standard error, one at a time.
    public static let standardError: @Sendable (String) -> Void = { line in
        standardErrorLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
    private static let standardErrorLock = Mutex(())

    private static func append(_ value: Logger.Metadata.Value, to text: inout String) {
        switch value {
        case .string(let string): appendString(string, to: &text)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &text)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                append(value, to: &text)
            }
            text += "]"
        case .dictionary(let entries):
            text += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                append(entries[key]!, to: &text)
            }
            text += "}"
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                text += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
