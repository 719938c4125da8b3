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
    /// The lowest level written; swift-log drops lower ones before they reach ``log(event:)``.
    public var logLevel: Logger.Level
    /// The logger's own metadata, written under `metadata`. The provider's values and the call's own
    /// override it on the same key.
    public var metadata: Logger.Metadata = [:]
    /// swift-log's metadata provider, asked at every line; its values override ``metadata``.
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// A handler for the logger `label` (written as `service`), writing lines at `level` and above with
    /// `write` (standard error by default).
    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    /// One value of ``metadata``, as `Logger[metadataKey:]` reads and sets it.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one JSON line: `time`, `level`, `service`, `message`, `source`, `error` when there
    /// is one, and the merged metadata with sorted keys.
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
