import HangarRuntime
import Testing

@Suite("The start gate of a service's parts")
struct StartGateTests {
    @Test("waiters return once it opens, later waiters at once; a cancelled waiter throws and holds nothing up")
    func gate() async throws {
        let gate = StartGate()
        #expect(!gate.isOpen)
        let early = Task { try await gate.wait() }
        let cancelled = Task { try await gate.wait() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        gate.open()
        try await early.value
        try await gate.wait()
        #expect(gate.isOpen)
    }
}
