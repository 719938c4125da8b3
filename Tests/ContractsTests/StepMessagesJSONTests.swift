import Foundation
import Testing

@testable import HangarContracts

/// Step commands' and step events' hand-written JSON against `HangarJSON.encoder`, byte for byte.
@Suite("Step messages JSON")
struct StepMessagesJSONTests {
    static let texts = DeploymentEventJSONTests.texts

    @Test("a step command is written as JSONEncoder writes it, for 500 random commands")
    func commandSameBytesAsJSONEncoder() throws {
        let random = RandomMessages()
        for round in 0..<500 {
            let command = random.command()
            let expected = Array(try HangarJSON.encoder.encode(command))
            let written = try ContractCodec.encode(.executeStep(command))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(ExecuteStep.self, from: Data(written)) == command)
        }
    }

    @Test("a step event is written as JSONEncoder writes it, for 500 random events")
    func eventSameBytesAsJSONEncoder() throws {
        let random = RandomMessages()
        for round in 0..<500 {
            let event = random.event()
            let expected = Array(try HangarJSON.encoder.encode(event))
            let written = try ContractCodec.encode(.stepEvent(event))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(StepEvent.self, from: Data(written)) == event)
        }
    }

    @Test("a step command and a step event read by hand equal what JSONDecoder reads, for 500 random ones each")
    func readSameAsJSONDecoder() throws {
        let random = RandomMessages()
        for round in 0..<500 {
            let command = random.command()
            let commandBody = try ContractCodec.encode(.executeStep(command))
            #expect(StepMessagesJSON.readCommand(commandBody) == command, "round \(round): \(String(decoding: commandBody, as: UTF8.self))")
            let event = random.event()
            let eventBody = try ContractCodec.encode(.stepEvent(event))
            #expect(StepMessagesJSON.readEvent(eventBody) == event, "round \(round): \(String(decoding: eventBody, as: UTF8.self))")
        }
    }

    @Test("bodies in other shapes (any key order, whitespace, escaped slashes, unknown members, nulls) read as JSONDecoder reads them")
    func otherShapes() throws {
        let random = RandomMessages()
        let plain = JSONEncoder()
        plain.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(HangarJSON.formatDate(date))
        }
        for round in 0..<200 {
            plain.outputFormatting = round.isMultiple(of: 2) ? [.prettyPrinted] : []
            let event = random.event()
            var eventBody = Array(try plain.encode(event))
            let command = random.command()
            var commandBody = Array(try plain.encode(command))
            if round.isMultiple(of: 3) {
                // A member a newer build might add, and an optional member sent as null.
                eventBody.insert(contentsOf: Array(#" "newer" : {"a": [1, 2.5e3, "x\/y", null, true]}, "worker": null,"#.utf8), at: 1)
                commandBody.insert(contentsOf: Array(#" "newer": [{}], "cleanup": null ,"#.utf8), at: 1)
                if event.worker != nil { continue }  // "worker" twice: JSONDecoder's to judge
            }
            let expectedEvent = try HangarJSON.decoder.decode(StepEvent.self, from: Data(eventBody))
            #expect(StepMessagesJSON.readEvent(eventBody) == expectedEvent, "round \(round): \(String(decoding: eventBody, as: UTF8.self))")
            if round.isMultiple(of: 3), command.cleanup != nil { continue }
            let expectedCommand = try HangarJSON.decoder.decode(ExecuteStep.self, from: Data(commandBody))
            #expect(StepMessagesJSON.readCommand(commandBody) == expectedCommand, "round \(round)")
        }
    }

    @Test("a damaged body is read by hand only when JSONDecoder reads it the same (20,000 damaged bodies)")
    func damagedBodies() throws {
        let random = RandomMessages()
        var generator = SystemRandomNumberGenerator()
        var readByHand = 0
        for round in 0..<20_000 {
            let isEvent = round.isMultiple(of: 2)
            let encoded = isEvent ? try ContractCodec.encode(.stepEvent(random.event())) : try ContractCodec.encode(.executeStep(random.command()))
            let body = DamagedBodies.damage(encoded, using: &generator)
            if isEvent, let event = StepMessagesJSON.readEvent(body) {
                readByHand += 1
                #expect((try? HangarJSON.decoder.decode(StepEvent.self, from: Data(body))) == event, "\(String(decoding: body, as: UTF8.self))")
            }
            if !isEvent, let command = StepMessagesJSON.readCommand(body) {
                readByHand += 1
                #expect((try? HangarJSON.decoder.decode(ExecuteStep.self, from: Data(body))) == command, "\(String(decoding: body, as: UTF8.self))")
            }
        }
        // Some damage leaves a valid body (a digit for a digit, a letter inside a text).
        #expect(readByHand > 100)
    }

    @Test("a body the hand-made reader refuses still gets JSONDecoder's reason")
    func refusedBodiesKeepTheirReason() {
        let body = Array(#"{"kind":"succeeded","attempt":"one"}"#.utf8)
        #expect(StepMessagesJSON.readEvent(body) == nil)
        #expect(throws: ContractError.malformed(type: "step.succeeded", reason: "missing 'deploymentId'")) {
            try ContractCodec.decode(type: "step.succeeded", schemaVersion: 1, body: body)
        }
        let contradicting = try! ContractCodec.encode(
            .stepEvent(StepEvent(kind: .failed, deploymentId: UUID(), step: .validate, attempt: 1, dispatchId: UUID(), at: Date())))
        #expect(throws: ContractError.malformed(type: "step.succeeded", reason: "kind 'failed' contradicts the type")) {
            try ContractCodec.decode(type: "step.succeeded", schemaVersion: 1, body: contradicting)
        }
    }
}

/// Random step commands and events, every optional member present or not.
private final class RandomMessages {
    var generator = SystemRandomNumberGenerator()

    func maybe<T>(_ value: () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
    func text() -> String { StepMessagesJSONTests.texts.randomElement(using: &generator)! }
    func date() -> Date { Date(epochMilliseconds: Int64.random(in: 0...4_102_444_800_000, using: &generator)) }
    func number() -> Int { Int.random(in: 0...99, using: &generator) }
    func strings() -> [String: String] {
        Dictionary((0..<Int.random(in: 0...3, using: &generator)).map { _ in (text(), text()) }, uniquingKeysWith: { first, _ in first })
    }
    /// Numbers of every shape `JSONEncoder` writes differently (whole, fractions, exponents, negative zero).
    static let numbers: [Double] = [0, -0.0, 1, -7, 2.5, 0.1, 1e-7, 1e15, 1e16, 3e20, 123_456_789_012_345_678, 12345.678, .pi]

    /// An object (a continuation or a target's settings are one) of any values, nested twice at most.
    func value(depth: Int = 0) -> JSONValue {
        switch depth == 0 ? 5 : Int.random(in: depth < 2 ? 0...5 : 0...3, using: &generator) {
        case 0: return .string(text())
        case 1: return .number(Self.numbers.randomElement(using: &generator)!)
        case 2: return .bool(Bool.random(using: &generator))
        case 3: return .null
        case 4: return .array((0..<number() % 3).map { _ in value(depth: depth + 1) })
        default:
            return .object(Dictionary((0..<number() % 3).map { _ in (text(), value(depth: depth + 1)) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    func command() -> ExecuteStep {
        ExecuteStep(
            deploymentId: UUID(), environmentId: UUID(), environmentName: text(), version: maybe { text() },
            step: StepName.allCases.randomElement(using: &generator)!, attempt: number(), dispatchId: UUID(),
            target: ProviderTarget(
                provider: text(), settings: Dictionary(uniqueKeysWithValues: (0..<number() % 4).map { _ in (UUID().uuidString, value(depth: 1)) }),
                environmentId: maybe { UUID() }),
            options: DeploymentOptions(
                lockInstances: Bool.random(using: &generator), stopPreparationServer: Bool.random(using: &generator),
                terminateSessions: Bool.random(using: &generator)),
            mode: PublishMode.allCases.randomElement(using: &generator)!,
            reconnection: maybe { Reconnection(minutes: number(), message: text()) }, outputs: strings(),
            continuation: maybe { value() }, poll: number(), cleanup: maybe { text() },
            rollback: maybe {
                RollbackOf(
                    deploymentId: UUID(), version: text(), modelVersion: text(), imageId: maybe { text() }, fromDeploymentId: UUID(),
                    fromVersion: text(), fromModelVersion: text())
            },
            replacement: maybe { ReplacementPolicy(batchPercent: number(), minHealthyPercent: number(), bakeSeconds: number(), alarms: [text()]) })
    }

    func event() -> StepEvent {
        StepEvent(
            kind: StepEvent.Kind.allCases.randomElement(using: &generator)!, deploymentId: UUID(),
            step: StepName.allCases.randomElement(using: &generator)!, attempt: number(), dispatchId: UUID(), at: date(),
            detail: maybe { text() }, outputs: maybe { strings() }, error: maybe { text() }, transient: maybe { Bool.random(using: &generator) },
            continuation: maybe { value() }, checkAfter: maybe { date() }, worker: maybe { text() }, startedAt: maybe { date() },
            earlierDetails: maybe { (0..<number() % 3).map { _ in StepEvent.DetailLine(at: date(), message: text()) } })
    }
}
