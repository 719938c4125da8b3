import Foundation
import HangarHarness
import Testing

/// The harness deletes the vhosts of test processes that have ended, and no other.
@Suite("Stale test vhosts")
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
}
