import Foundation

/// A helper server of the tests (moto, its proxy, …): a process whose output goes to a log
/// file, started and waited on until it answers, stopped with SIGTERM and, 2 s later, SIGKILL
/// (a child may inherit a blocked SIGTERM, and moto waits on its keep-alive connections).
final class HelperProcess: @unchecked Sendable {
    let name: String
    let log: URL
    private let process = Process()

    /// Starts `executable` with `arguments`, then polls `ready` until it answers `true`.
    init(
        _ name: String, executable: String, arguments: [String], timeout: Duration,
        ready: @Sendable () async -> Bool
    ) async throws {
        self.name = name
        log = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            if await ready() { return }
            guard process.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw E2EFailure("\(name) did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Starts a server on a free port: `start` gets the port. When the port was taken before
    /// the server could bind it ("Address already in use", seen in CI), another is tried, up to
    /// five in all.
    static func onFreePort(_ start: (Int) async throws -> HelperProcess) async throws -> (port: Int, process: HelperProcess) {
        for attempt in 1...5 {
            let port = HangarSystem.freePort()
            do {
                return (port, try await start(port))
            } catch let failure as E2EFailure where attempt < 5 && "\(failure)".contains("Address already in use") {
                continue
            }
        }
        preconditionFailure("unreachable: the fifth attempt returns or throws")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<20 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
