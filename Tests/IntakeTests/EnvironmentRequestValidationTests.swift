import Foundation
import HangarContracts
import Testing

@testable import HangarIntake

@Suite("Environment request validation")
struct EnvironmentRequestValidationTests {
    @Test("numbers beyond a whole number's range are named fields, not a crash")
    func hugeNumbers() {
        var environment = EnvironmentResource(
            id: UUID(), name: "web", description: "", provider: "simulated", target: [:], limits: .init(), lifecycle: .activated,
            createdAt: Date(), updatedAt: Date())
        let errors = EnvironmentRequest.apply(
            ["maxInstances": .number(3.1e21), "port": .number(-1e300), "limits": .object(["reconnectionsPerMonth": .number(1e30)])], to: &environment,
            creating: false)
        #expect(Set(errors.map(\.field)) == ["maxInstances", "port", "limits.reconnectionsPerMonth"], "\(errors)")
    }
}
