import Foundation
import HangarHarness
import Testing

/// The harness deletes the vhosts and data folders of test processes that have ended, and no
/// others.
@Suite("Stale test vhosts and data folders")
struct StaleVhostTests {
    @Test("a vhost of an ended process is deleted; this process's and other names are kept")
    func deletesOnlyEndedProcesses() async throws {
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let stale = "hangar-test-stale-\(suffix).pid\(ended.processIdentifier)"
        let own = "hangar-test-stale-\(suffix)\(HangarSystem.processSuffix)"
        let other = "hangar-other-\(suffix).pid\(ended.processIdentifier)"
        for name in [stale, own, other] { try await HangarSystem.management("PUT", "/api/vhosts/\(name)") }

        let deleted = try await HangarSystem.sweepStaleVhosts()

        #expect(deleted.contains(stale))
        let left = try await HangarSystem.vhostNames()
        #expect(!left.contains(stale))
        #expect(left.contains(own) && left.contains(other))
        for name in [own, other] { try await HangarSystem.management("DELETE", "/api/vhosts/\(name)") }
    }

    @Test("a data folder of an ended process is deleted; this process's, one without a process id and others are kept")
    func deletesOnlyEndedProcessesFolders() throws {
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let prefix = HangarSystem.dataFolderPrefix
        let stale = "\(prefix)stale-\(suffix).pid\(ended.processIdentifier)"
        let own = "\(prefix)stale-\(suffix)\(HangarSystem.processSuffix)"
        let older = "\(prefix)stale-\(suffix)"
        let other = "hangar-other-\(suffix).pid\(ended.processIdentifier)"
        let folder = FileManager.default.temporaryDirectory
        for name in [stale, own, older, other] {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(name).appendingPathComponent("logs"), withIntermediateDirectories: true)
        }
        defer { for name in [own, older, other] { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) } }

        let deleted = try HangarSystem.sweepStaleDataFolders()

        #expect(deleted.contains(stale) && !deleted.contains(own) && !deleted.contains(older) && !deleted.contains(other))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(stale).path))
        for name in [own, older, other] { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)) }
    }
}
