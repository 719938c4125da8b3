import Foundation
import Synchronization

/// A span as deploy/otlp/receiver.py decoded it from an OTLP export.
public struct ReceivedSpan: Decodable, Sendable {
    public var trace_id: String
    public var span_id: String
    public var parent_span_id: String
    public var name: String
    /// OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    public var kind: Int
    /// The resource's `service.name`.
    public var service: String
    public var start_ns: UInt64
    public var end_ns: UInt64
    /// Only the string attributes (the ones the tests look at).
    public var attributes: [String: AttributeValue]

    public enum AttributeValue: Decodable, Sendable, Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case double(Double)
        case other

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else if let value = try? container.decode(Double.self) {
                self = .double(value)
            } else {
                self = .other
            }
        }
    }

    public func string(_ key: String) -> String? {
        if case .string(let value) = attributes[key] { return value }
        return nil
    }
}

/// A real OTLP/HTTP receiver on loopback (opentelemetry-proto decoding), started through
/// deploy/otlp/start.sh; the services export to ``endpoint``.
public final class OTLPReceiver: Sendable {
    public let directory: URL
    private let countsOnly: Bool
    private let process = Mutex<Process?>(nil)
    private let boundPort = Mutex<Int?>(nil)

    /// - Parameter countsOnly: keep no spans, only their count (for a benchmark).
    public init(countsOnly: Bool = false) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-otlp-\(UUID().uuidString.prefix(8))")
        self.countsOnly = countsOnly
    }

    private var spansFile: URL { directory.appendingPathComponent("spans.jsonl") }

    /// `OTEL_EXPORTER_OTLP_ENDPOINT` for the services (they post to `/v1/traces` under it).
    public var endpoint: String { "http://127.0.0.1:\(boundPort.withLock { $0 } ?? 0)" }

    public func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ready = directory.appendingPathComponent(".ready")
        let process = Process()
        process.executableURL = HangarSystem.repositoryRoot.appendingPathComponent("deploy/otlp/start.sh")
        process.arguments = ["--port", "0", "--out", spansFile.path, "--ready", ready.path] + (countsOnly ? ["--counts-only"] : [])
        let log = directory.appendingPathComponent("receiver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(180)  // the first run makes the venv
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: ready, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                boundPort.withLock { $0 = port }
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw E2EFailure("the OTLP receiver did not start:\n\(text)")
    }

    /// The receiver's process (its CPU is a collector's cost, for a benchmark).
    public var processIdentifier: Int32? { process.withLock { $0?.processIdentifier } }

    public func stop() {
        guard
            let process = process.withLock({ current -> Process? in
                defer { current = nil }
                return current
            })
        else { return }
        kill(process.processIdentifier, SIGKILL)  // each export is on disk as it arrives
        process.waitUntilExit()
        if HangarSystem.environment["HANGAR_TEST_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) }
    }

    /// Every span received so far.
    public func spans() -> [ReceivedSpan] {
        guard let data = FileManager.default.contents(atPath: spansFile.path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(ReceivedSpan.self, from: $0) }
    }

    /// How many spans arrived (in `countsOnly` mode as well) and in how many exports.
    public func counts() -> (spans: Int, exports: Int) {
        if !countsOnly { return (spans().count, 0) }
        let text = (try? String(contentsOf: URL(fileURLWithPath: spansFile.path + ".count"), encoding: .utf8)) ?? ""
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return (fields.first ?? 0, fields.dropFirst().first ?? 0)
    }
}
