import HangarRuntime
import Testing

@Suite("Health checks")
struct HealthTests {
    @Test("a check that does not answer fails as timed out instead of holding the probe; the others are reported as they are")
    func stuckCheck() async {
        let health = Health([
            .init("stuck") {
                // Ignores cancellation, as a store's thread would.
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return true
            },
            .init("fine") { true },
            .init("down") { false },
        ])
        #expect(await health.failing() == ["stuck (timed out)", "down"])
    }
}
