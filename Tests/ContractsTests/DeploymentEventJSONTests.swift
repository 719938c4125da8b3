import Foundation
import HangarContracts
import Testing

/// A deployment event's hand-written JSON against `HangarJSON.encoder`, byte for byte.
@Suite("Deployment event JSON")
struct DeploymentEventJSONTests {
    /// Texts that need every kind of escape, and some that need none.
    static let texts = [
        "", "v1.2.3", "a/b", "quote \" and backslash \\", "tab\tnew\nline\rcr", "bell \u{07} nul \u{00} us \u{1F}",
        "\u{08}\u{0C}", "del \u{7F}", "é ü 漢字 🚀", "line\u{2028}separator", "</script>",
    ]

    @Test("writes the bytes JSONEncoder writes, for 500 random events")
    func sameBytesAsJSONEncoder() throws {
        var generator = SystemRandomNumberGenerator()
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        func text() -> String { Self.texts.randomElement(using: &generator)! }
        func date() -> Date { Date(epochMilliseconds: Int64.random(in: 0...4_102_444_800_000, using: &generator)) }
        func texts() -> [String] { (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() } }
        for round in 0..<500 {
            var approval = ApprovalState(policy: ApprovalPolicy(approvers: texts()), requestedAt: date())
            approval.decision = maybe(ApprovalState.Decision.allCases.randomElement(using: &generator)!)
            approval.comment = maybe(text())
            var pause = PauseState(reason: text(), pausedAt: date(), continuation: maybe(.object(["batch": .number(2)])), poll: 1)
            pause.decision = maybe(PauseState.Decision.allCases.randomElement(using: &generator)!)
            let steps = StepName.allCases.prefix(Int.random(in: 0...6, using: &generator)).map { name in
                DeploymentStepSummary(
                    name: name, status: StepStatus.allCases.randomElement(using: &generator)!, startedAt: maybe(date()),
                    finishedAt: maybe(date()), attempts: Int.random(in: 0...9, using: &generator), error: maybe(text()))
            }
            let event = DeploymentEvent(
                status: DeploymentStatus.allCases.randomElement(using: &generator)!, deploymentId: UUID(), environmentId: UUID(),
                environmentName: text(), version: maybe(text()), owner: text(), at: date(), createdAt: date(), scheduledAt: maybe(date()),
                mode: PublishMode.allCases.randomElement(using: &generator)!,
                options: DeploymentOptions(
                    lockInstances: Bool.random(using: &generator), stopPreparationServer: Bool.random(using: &generator),
                    terminateSessions: Bool.random(using: &generator)),
                notify: texts(), reason: maybe(text()), failedStep: maybe(StepName.allCases.randomElement(using: &generator)!),
                outputs: maybe(Dictionary(texts().map { ($0, text()) }, uniquingKeysWith: { first, _ in first })),
                notifyEvents: maybe(DeploymentStatus.allCases.filter { _ in Bool.random(using: &generator) }), webhooks: maybe(texts()),
                steps: maybe(steps),
                rollback: maybe(
                    RollbackOf(
                        deploymentId: UUID(), version: text(), modelVersion: text(), imageId: maybe(text()), fromDeploymentId: UUID(),
                        fromVersion: text(), fromModelVersion: text())),
                approval: maybe(approval), pause: maybe(pause))
            let expected = Array(try HangarJSON.encoder.encode(event))
            let written = try ContractCodec.encode(.deploymentEvent(event))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(DeploymentEvent.self, from: Data(written)) == event)
        }
    }
}
