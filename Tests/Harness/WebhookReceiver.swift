import Foundation
import Synchronization

/// A real HTTP server on loopback that records webhooks (deploy/webhook/receiver.py), and
/// checks their signatures independently of Hangar (Python's hmac).
public final class WebhookReceiver: Sendable {
    /// One request as the receiver saw it.
    public struct Received: Decodable, Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: String
        public var status: Int
        public var signatureValid: Bool

        /// A header, whatever its case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        /// The body as a JSON object.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// The receiver's port; chosen again by ``start()`` if another process took it first.
    public var port: Int { chosenPort.withLock { $0 } }
    public let directory: URL
    private let secret: String
    private let statuses: [Int]
    private let chosenPort: Mutex<Int>
    private let process = Mutex<Process?>(nil)

    /// `statuses`: what to answer the first requests with, then 200; paths with `/gone` get 410,
    /// paths with `/moved` a 307 to `/ok`.
    public init(secret: String, statuses: [Int] = []) {
        chosenPort = Mutex(HangarSystem.freePort())
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-webhooks-\(UUID().uuidString.prefix(8))")
        self.secret = secret
        self.statuses = statuses
    }

    /// The URL of `path` on this receiver (call after ``start()``: the port may change there).
    public func url(_ path: String = "/hooks/hangar") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Starts the receiver and waits until it listens. A free port can be taken by another
    /// process between being chosen and bound; then another one is chosen, up to five times.
    public func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for attempt in 1...5 {
            if attempt > 1 { chosenPort.withLock { $0 = HangarSystem.freePort() } }
            if try await launch() { return }
        }
        throw E2EFailure("the webhook receiver did not start (last port \(port))")
    }

    /// Runs the receiver on the chosen port; whether it became ready (false: it exited first).
    private func launch() async throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", HangarSystem.repositoryRoot.appendingPathComponent("deploy/webhook/receiver.py").path,
            "--port", String(port), "--dir", directory.path, "--secret", secret,
            "--statuses", statuses.map(String.init).joined(separator: ","),
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let ready = directory.appendingPathComponent(".ready")
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: ready.path) { return true }
            if !process.isRunning { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("the webhook receiver did not start on port \(port)")
    }

    /// Everything received so far, in order.
    public func requests() -> [Received] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
                .flatMap { try? JSONDecoder().decode(Received.self, from: $0) }
        }
    }

    /// Waits until at least `count` requests arrived.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = requests()
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("expected \(count) webhook requests, got \(requests().count)")
    }

    public func remove() {
        if let process = process.withLock({ current -> Process? in
            defer { current = nil }
            return current
        }) {
            // SIGKILL: a child started from a test may inherit a mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
