import Foundation
import Synchronization

/// What the loopback server received, as deploy/smtp/sink.py writes it.
public struct ReceivedEmail: Decodable, Sendable {
    public var mail_from: String
    public var rcpt_tos: [String]
    public var tls: Bool
    public var authenticated: Bool
    public var header_names: [String]
    public var headers: [String: String]
    public var subject: String
    public var text: String?
    public var html: String?
}

/// A real SMTP server (aiosmtpd) on loopback, started through deploy/smtp/start.sh.
public final class SMTPSink: Sendable {
    public let port: Int
    public let directory: URL
    private let arguments: [String]
    private let process = Mutex<Process?>(nil)

    /// - Parameter delayMilliseconds: how much later it answers MAIL, RCPT, DATA and QUIT.
    public init(starttls: Bool = false, auth: String? = nil, delayMilliseconds: Int = 0) {
        port = HangarSystem.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-smtp-\(UUID().uuidString.prefix(8))")
        var arguments = ["--port", String(port), "--dir", directory.path]
        if starttls { arguments.append("--starttls") }
        if let auth { arguments += ["--auth", auth] }
        if delayMilliseconds > 0 { arguments += ["--delay-ms", String(delayMilliseconds)] }
        self.arguments = arguments
    }

    public var caFile: String { directory.appendingPathComponent("cert.pem").path }

    public func start() async throws {
        let ready = directory.appendingPathComponent(".ready")
        try? FileManager.default.removeItem(at: ready)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = HangarSystem.repositoryRoot.appendingPathComponent("deploy/smtp/start.sh")
        process.arguments = arguments
        let log = directory.appendingPathComponent("sink.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: ready.path) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw E2EFailure("the SMTP sink did not start on port \(port):\n\(text)")
    }

    public func stop() {
        guard
            let process = process.withLock({ current -> Process? in
                defer { current = nil }
                return current
            })
        else { return }
        kill(process.processIdentifier, SIGKILL)  // abrupt, like a server going down
        process.waitUntilExit()
    }

    public func messages() -> [ReceivedEmail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return try? JSONDecoder().decode(ReceivedEmail.self, from: data)
        }
    }

    /// Waits until at least `count` messages arrived.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [ReceivedEmail] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = messages()
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("expected \(count) messages, got \(messages().count)")
    }

    public func remove() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A notifier without the broker: its store (SQLite in a temporary folder) and its sender.
