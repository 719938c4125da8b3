import Foundation
import HangarRuntime
import HangarSettings
import Testing

/// The settings catalog is the one list of settings: every variable the code names is in it,
/// docs/configuration.md's table is generated from it, and a bad value is one error type that
/// names the variable and what it accepts, never a secret's value.
@Suite("Settings catalog")
struct SettingsCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let begin = "<!-- settings table: generated from Shared/Settings/Catalog.swift by SettingsCatalogTests; do not edit -->\n"
    static let end = "<!-- end of settings table -->"

    @Test("docs/configuration.md's table is the catalog's (HANGAR_UPDATE_DOCS=1 rewrites it)")
    func documentedTable() throws {
        let path = Self.root.appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: path, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "docs/configuration.md has no generated table marker")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let expected = Setting.markdownTable
        if ProcessInfo.processInfo.environment["HANGAR_UPDATE_DOCS"] == "1" {
            try (String(text[..<start.upperBound]) + expected + String(text[stop.lowerBound...])).write(to: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[start.upperBound..<stop.lowerBound]) == expected, "run HANGAR_UPDATE_DOCS=1 swift test --filter SettingsCatalogTests")
    }

    @Test("every HANGAR_, OTEL_ and AWS_ variable the services and libraries name is in the catalog, once")
    func everyVariableCatalogued() throws {
        let names = Setting.all.map(\.name)
        #expect(Set(names).count == names.count, "a setting is listed twice")
        let pattern = try Regex(#""((?:HANGAR|OTEL|AWS)_[A-Z0-9_]+)"#)
        var found: Set<String> = []
        var files = 0
        for folder in ["Shared", "Services"] {
            let enumerator = FileManager.default.enumerator(at: Self.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift", url.lastPathComponent != "Catalog.swift" else { continue }
                let source = try String(contentsOf: url, encoding: .utf8)
                files += 1
                for match in source.matches(of: pattern) { found.insert(String(match.output[1].substring ?? "")) }
            }
        }
        #expect(files > 100, "the scan read the sources")
        #expect(found.subtracting(names).isEmpty, "named in the code but not in the catalog: \(found.subtracting(names).sorted())")
    }

    @Test(
        "read through swift-configuration: values, defaults, ranges and choices; an error names the variable and what it accepts, a secret's value never"
    )
    func reading() throws {
        let settings = SettingsReader(variables: [
            "HANGAR_HTTP_PORT": "8081", "HANGAR_WORKER_CONCURRENCY": "0", "HANGAR_LOG_LEVEL": "loud", "HANGAR_EVENTS_LINGER_MS": "",
        ])
        #expect(try settings.int(.httpPort, default: 8080, range: 1...65535) == 8081)
        #expect(try settings.milliseconds(.eventsLinger, default: .seconds(30)) == .seconds(30), "empty counts as unset")
        #expect(throws: SettingError("HANGAR_WORKER_CONCURRENCY", accepts: "a whole number in 1...1000", got: "0")) {
            try settings.int(.workerConcurrency, default: 4, range: 1...1000)
        }
        let environment = ServiceEnvironment(service: "worker", variables: ["HANGAR_LOG_LEVEL": "loud"])
        #expect {
            _ = try environment.logLevel
        } throws: {
            "\($0)" == "HANGAR_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got 'loud'"
        }
        #expect(throws: SettingError.self) { try settings.required(.tokens, accepts: "name:role:secret entries") }
        let secret = SettingError(.smtpURL, accepts: "an smtp:// URL", got: "smtp://user:hunter22@mail")
        #expect(!secret.description.contains("hunter22") && secret.description.hasPrefix("HANGAR_SMTP_URL must be"))
        let amqp = try ServiceEnvironment(
            service: "scheduler", variables: ["HANGAR_AMQP_URL": "amqp://a:b@10.0.0.1:5600/", "HANGAR_AMQP_HEARTBEAT": "3"]
        )
        .amqp()
        #expect(amqp.host == "10.0.0.1" && amqp.port == 5600 && amqp.heartbeat == .seconds(3) && amqp.queueType == .classic)
        #expect(try ServiceEnvironment(service: "s", variables: ["HANGAR_QUEUE_TYPE": "Quorum"]).amqp().queueType == .quorum)
        #expect {
            try ServiceEnvironment(service: "s", variables: ["HANGAR_QUEUE_TYPE": "stream"]).amqp()
        } throws: { "\($0)" == "HANGAR_QUEUE_TYPE must be one of classic, quorum; got 'stream'" }
        #expect(throws: SettingError.self) { try ServiceEnvironment(service: "s", variables: ["HANGAR_AMQP_HEARTBEAT": "-1"]).amqp() }
    }
}
