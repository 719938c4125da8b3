import Foundation
import HangarRuntime
import HangarSettings
import Logging
import Synchronization
import Testing

@Suite("JSON logs")
struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test("one JSON object per line: time, level, service, message, source, error and the metadata, escaped")
    func lines() throws {
        let lines = Lines()
        var logger = Logger(label: "hangar.test") { label in
            var handler = JSONLogHandler(label: label, level: .info) { lines.append($0) }
            handler.metadataProvider = .init { ["trace.id": "abc"] }
            return handler
        }
        logger[metadataKey: "service.instance"] = "vm-1"
        logger.debug("not at this level")
        logger.info(
            "step \"done\"\nnext line",
            metadata: [
                "deployment.id": "0b9e", "attempt": "\(2)", "tags": ["a", "b\\c"], "nested": ["k": "v\u{01}"],
            ])
        struct Failure: Error, CustomStringConvertible { var description: String { "it broke" } }
        logger.error("failed", error: Failure())

        #expect(lines.all.count == 2)
        #expect(lines.all.allSatisfy { $0.hasSuffix("}\n") && $0.filter { $0 == "\n" }.count == 1 })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["service"] as? String == "hangar.test")
        #expect(first["message"] as? String == "step \"done\"\nnext line")
        #expect(first["source"] as? String == "RuntimeTests")
        #expect((first["time"] as? String).map { $0.hasSuffix("Z") && $0.count == 24 } == true)
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["deployment.id"] as? String == "0b9e")
        #expect(metadata["attempt"] as? String == "2")
        #expect(metadata["trace.id"] as? String == "abc")
        #expect(metadata["service.instance"] as? String == "vm-1")
        #expect(metadata["tags"] as? [String] == ["a", "b\\c"])
        #expect((metadata["nested"] as? [String: String])?["k"] == "v\u{01}")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[1].utf8)) as? [String: Any])
        #expect(second["level"] as? String == "error")
        #expect(second["error"] as? String == "it broke")
    }

    @Test("HANGAR_LOG_FORMAT is text by default, json on request, and anything else is refused")
    func setting() throws {
        #expect(try ServiceEnvironment(service: "x", variables: [:]).logFormat == .text)
        #expect(try ServiceEnvironment(service: "x", variables: ["HANGAR_LOG_FORMAT": "JSON"]).logFormat == .json)
        #expect(throws: SettingError.self) { try ServiceEnvironment(service: "x", variables: ["HANGAR_LOG_FORMAT": "yaml"]).logFormat }
    }
}
