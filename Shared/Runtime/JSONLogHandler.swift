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
        var line = JSONBytes()
        line.raw("{\"time\":")
        line.string(HangarJSON.formatDate(Date()))
        line.raw(",\"level\":")
        line.string(event.level.rawValue)
        line.raw(",\"service\":")
        line.string(label)
        line.raw(",\"message\":")
        line.string(event.message.description)
        line.raw(",\"source\":")
        line.string(event.source)
        if let error = event.error {
            line.raw(",\"error\":")
            line.string("\(error)")
        }
        if !merged.isEmpty {
            line.raw(",\"metadata\":")
            Self.append(.dictionary(merged), to: &line)
        }
        line.raw("}\n")
        write(String(decoding: line.bytes, as: UTF8.self))
    }

    /// Writes whole lines to standard error, one at a time.
    public static let standardError: @Sendable (String) -> Void = { line in
        standardErrorLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
    private static let standardErrorLock = Mutex(())

    private static func append(_ value: Logger.Metadata.Value, to line: inout JSONBytes) {
        switch value {
        case .string(let string): line.string(string)
        case .stringConvertible(let convertible): line.string(convertible.description)
        case .array(let values):
            line.raw("[")
            for (index, value) in values.enumerated() {
                if index > 0 { line.raw(",") }
                append(value, to: &line)
            }
            line.raw("]")
        case .dictionary(let entries):
            line.raw("{")
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { line.raw(",") }
                line.string(key)
                line.raw(":")
                append(entries[key]!, to: &line)
            }
            line.raw("}")
        }
    }
}
