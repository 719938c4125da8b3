import Foundation
import HangarContracts
import NIOCore
import Testing

@testable import HangarIntake

/// One deployment's hand-written JSON against `HangarJSON.encoder`, byte for byte.
@Suite("Deployment details JSON")
struct DeploymentDetailsJSONTests {
    @Test("writes the bytes JSONEncoder writes, for 500 random deployments")
    func sameBytesAsJSONEncoder() throws {
        var generator = SystemRandomNumberGenerator()
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        func text() -> String { HistoryPageJSONTests.texts.randomElement(using: &generator)! }
        func date() -> Date { Date(epochMilliseconds: Int64.random(in: 0...4_102_444_800_000, using: &generator)) }
        for round in 0..<500 {
            var approval = ApprovalState(
                policy: ApprovalPolicy(approvers: (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() }), requestedAt: date())
            approval.decision = maybe(ApprovalState.Decision.allCases.randomElement(using: &generator)!)
            approval.decidedBy = maybe(text())
            approval.comment = maybe(text())
            var pause = PauseState(reason: text(), pausedAt: date(), continuation: maybe(.object(["batch": .number(2)])), poll: 1)
            pause.decision = maybe(PauseState.Decision.allCases.randomElement(using: &generator)!)
            let outputs = Dictionary(
                (0..<Int.random(in: 0...5, using: &generator)).map { _ in (text(), text()) }, uniquingKeysWith: { first, _ in first })
            let steps = StepName.allCases.prefix(Int.random(in: 0...6, using: &generator)).map { name in
                StepDetails(
                    name: name, status: StepStatus.allCases.randomElement(using: &generator)!, startedAt: maybe(date()),
                    finishedAt: maybe(date()), durationMs: maybe(Int64.random(in: 0...100_000, using: &generator)),
                    attempts: Int.random(in: 0...9, using: &generator),
                    detail: (0..<Int.random(in: 0...3, using: &generator)).map { _ in StepDetailLine(at: date(), message: text()) },
                    error: maybe(text()), worker: maybe(text()))
            }
            let details = DeploymentDetails(
                id: UUID(), environmentId: maybe(UUID()), environmentName: maybe(text()), version: maybe(text()), owner: maybe(text()),
                status: DeploymentStatus.allCases.randomElement(using: &generator)!,
                mode: maybe(PublishMode.allCases.randomElement(using: &generator)!),
                options: maybe(
                    DeploymentOptions(
                        lockInstances: Bool.random(using: &generator), stopPreparationServer: Bool.random(using: &generator),
                        terminateSessions: Bool.random(using: &generator))),
                notify: (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() }, createdAt: maybe(date()),
                scheduledAt: maybe(date()), startedAt: maybe(date()), finishedAt: maybe(date()),
                durationMs: maybe(Int64.random(in: -5...Int64.max, using: &generator)), reason: maybe(text()),
                failedStep: maybe(StepName.allCases.randomElement(using: &generator)!), outputs: outputs, steps: steps,
                rollback: maybe(
                    RollbackOf(
                        deploymentId: UUID(), version: text(), modelVersion: text(), imageId: maybe(text()), fromDeploymentId: UUID(),
                        fromVersion: text(), fromModelVersion: text())),
                approval: maybe(approval), pause: maybe(pause))
            let expected = try HangarJSON.encoder.encode(details)
            let written = Data(buffer: try DeploymentDetailsJSON.encode(details))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(DeploymentDetails.self, from: written) == details)
        }
    }
}
