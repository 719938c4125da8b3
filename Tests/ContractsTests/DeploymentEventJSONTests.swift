import Foundation
import Testing

@testable import HangarContracts

/// A deployment event's hand-written JSON against `HangarJSON.encoder`, byte for byte, and its
/// hand-made reader against `JSONDecoder`.
@Suite("Deployment event JSON")
struct DeploymentEventJSONTests {
    /// Texts that need every kind of escape, and some that need none.
    static let texts = [
        "", "v1.2.3", "a/b", "quote \" and backslash \\", "tab\tnew\nline\rcr", "bell \u{07} nul \u{00} us \u{1F}",
        "\u{08}\u{0C}", "del \u{7F}", "é ü 漢字 🚀", "line\u{2028}separator", "</script>",
    ]

    /// A random event, every optional member present or not.
    static func randomEvent(using generator: inout SystemRandomNumberGenerator) -> DeploymentEvent {
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        func text() -> String { Self.texts.randomElement(using: &generator)! }
        func date() -> Date { Date(epochMilliseconds: Int64.random(in: 0...4_102_444_800_000, using: &generator)) }
        func texts() -> [String] { (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() } }
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
        return DeploymentEvent(
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
    }

    @Test("writes the bytes JSONEncoder writes, for 500 random events")
    func sameBytesAsJSONEncoder() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<500 {
            let event = Self.randomEvent(using: &generator)
            let expected = Array(try HangarJSON.encoder.encode(event))
            let written = try ContractCodec.encode(.deploymentEvent(event))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(DeploymentEvent.self, from: Data(written)) == event)
        }
    }

    @Test("an event read by hand equals what JSONDecoder reads: 500 random ones, 200 in other shapes")
    func readSameAsJSONDecoder() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<500 {
            let event = Self.randomEvent(using: &generator)
            let body = try ContractCodec.encode(.deploymentEvent(event))
            #expect(DeploymentEventJSON.read(body) == event, "round \(round): \(String(decoding: body, as: UTF8.self))")
            #expect(DeploymentEventJSON.read(body, ofType: event.messageType) == event)
        }
        let plain = JSONEncoder()
        plain.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(HangarJSON.formatDate(date))
        }
        for round in 0..<200 {
            plain.outputFormatting = round.isMultiple(of: 2) ? [.prettyPrinted] : [.withoutEscapingSlashes]
            let event = Self.randomEvent(using: &generator)
            var body = Array(try plain.encode(event))
            if round.isMultiple(of: 3), event.reason == nil {
                // A member a newer build might add, and an optional member sent as null.
                body.insert(contentsOf: Array(#" "newer" : {"a": [1, 2.5e3, "x\/y", null, true]}, "reason": null,"#.utf8), at: 1)
            }
            let expected = try HangarJSON.decoder.decode(DeploymentEvent.self, from: Data(body))
            #expect(DeploymentEventJSON.read(body) == expected, "round \(round): \(String(decoding: body, as: UTF8.self))")
        }
    }

    @Test("a damaged event is read by hand only when JSONDecoder reads it the same (20,000 damaged bodies)")
    func damagedBodies() throws {
        var generator = SystemRandomNumberGenerator()
        var readByHand = 0
        for _ in 0..<20_000 {
            let body = DamagedBodies.damage(try ContractCodec.encode(.deploymentEvent(Self.randomEvent(using: &generator))), using: &generator)
            guard let event = DeploymentEventJSON.read(body) else { continue }
            readByHand += 1
            #expect((try? HangarJSON.decoder.decode(DeploymentEvent.self, from: Data(body))) == event, "\(String(decoding: body, as: UTF8.self))")
        }
        // Some damage leaves a valid body (a digit for a digit, a letter inside a text).
        #expect(readByHand > 100)
    }

    @Test("an event the hand-made reader refuses keeps JSONDecoder's reason; a status that contradicts the type is refused")
    func refusedEvents() throws {
        let body = Array(#"{"status":"running","notify":"nobody"}"#.utf8)
        #expect(DeploymentEventJSON.read(body) == nil)
        #expect(throws: ContractError.malformed(type: "deployment.running", reason: "missing 'deploymentId'")) {
            try ContractCodec.decode(type: "deployment.running", schemaVersion: 1, body: body)
        }
        var generator = SystemRandomNumberGenerator()
        var event = Self.randomEvent(using: &generator)
        event.status = .failed
        let failed = try ContractCodec.encode(.deploymentEvent(event))
        #expect(DeploymentEventJSON.read(failed, ofType: "deployment.succeeded") == nil)
        #expect(throws: ContractError.malformed(type: "deployment.succeeded", reason: "status 'failed' contradicts the type")) {
            try ContractCodec.decode(type: "deployment.succeeded", schemaVersion: 1, body: failed)
        }
        #expect(try ContractCodec.decode(type: "deployment.failed", schemaVersion: 1, body: failed) == .deploymentEvent(event))
    }
}
