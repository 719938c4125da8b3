import Foundation
import Testing

@testable import HangarContracts

/// The scheduler's event batches for the recorder: written with each event's body as it came,
/// read back event by event, and typed urgent exactly when an event must not wait.
@Suite("Event batches")
struct EventBatchTests {
    static let at = Date(epochMilliseconds: 1_800_000_000_123)
    static let deployment = UUID()

    static func step(_ kind: StepEvent.Kind, detail: String? = nil) -> StepEvent {
        StepEvent(
            kind: kind, deploymentId: deployment, step: .createImage, attempt: 1, dispatchId: UUID(), at: at, detail: detail,
            outputs: kind == .succeeded ? ["imageId": "ami-1"] : nil, worker: "w1",
            earlierDetails: [.init(at: at, message: "tab\tquote \" 漢字")])
    }

    static func deploymentEvent(_ status: DeploymentStatus) -> DeploymentEvent {
        DeploymentEvent(
            status: status, deploymentId: deployment, environmentId: UUID(), environmentName: "web", version: "1.2", owner: "ann",
            at: at, createdAt: at, scheduledAt: nil, mode: .standard,
            options: DeploymentOptions(lockInstances: false, stopPreparationServer: true, terminateSessions: false), notify: ["a@b.c"])
    }

    static let shutdown = ServerShutdownEvent(
        status: .stopped, environmentId: UUID(), environmentName: "web", serverId: "i-1", serverName: "prep", dueAt: at,
        requestedBy: "ann", requestedAt: at, at: at)

    @Test("a batch reads back as its events, in order, each under its own id")
    func roundTrip() throws {
        let items = [
            EventBatch.Item(messageId: "d1.a1.p0.outcome", message: .stepEvent(Self.step(.succeeded))),
            EventBatch.Item(messageId: "d1.a1.p0.line.0.ab", message: .stepEvent(Self.step(.progress, detail: "line\n2"))),
            EventBatch.Item(messageId: "deployment-x-running", message: .deploymentEvent(Self.deploymentEvent(.running))),
            EventBatch.Item(messageId: "shutdown-1", message: .shutdownEvent(Self.shutdown)),
        ]
        let batch = HangarMessage.eventBatch(EventBatch(items: items))
        let body = try ContractCodec.encode(batch)
        let decoded = try ContractCodec.decode(type: batch.type, schemaVersion: 1, body: body)
        guard case .eventBatch(let read) = decoded else {
            Issue.record("decoded as \(decoded.type)")
            return
        }
        #expect(read.items == items)
        #expect(read.items.map(\.messageId) == items.map(\.messageId))
    }

    /// A batch of 1 to 8 events of every kind, with and without trace parents.
    static func randomBatch(_ generator: inout SystemRandomNumberGenerator) -> EventBatch {
        let kinds = StepEvent.Kind.allCases
        let statuses: [DeploymentStatus] = [.running, .queued, .succeeded, .failed, .awaitingApproval]
        return EventBatch(
            items: (0..<Int.random(in: 1...8, using: &generator)).map { index in
                let message: HangarMessage =
                    switch Int.random(in: 0...5, using: &generator) {
                    case 0: .deploymentEvent(deploymentEvent(statuses.randomElement(using: &generator)!))
                    case 1: .shutdownEvent(shutdown)
                    default: .stepEvent(step(kinds.randomElement(using: &generator)!, detail: Bool.random(using: &generator) ? "line \(index)" : nil))
                    }
                return EventBatch.Item(
                    messageId: "m\(index).\(UUID().lowercasedString)", message: message,
                    traceParent: Bool.random(using: &generator) ? "00-\(UUID().lowercasedString.filter { $0 != "-" })-0123456789abcdef-01" : nil)
            })
    }

    @Test("a batch read by hand equals what JSONDecoder reads, for 500 random batches and 10,000 damaged ones")
    func handMadeReaderAgrees() throws {
        var generator = SystemRandomNumberGenerator()
        var readByHand = 0
        for round in 0..<10_500 {
            let batch = Self.randomBatch(&generator)
            let encoded = try ContractCodec.encode(.eventBatch(batch))
            if round < 500 {
                #expect(EventBatch.read(encoded) == batch)
                continue
            }
            let body = DamagedBodies.damage(encoded, using: &generator)
            guard let read = EventBatch.read(body) else { continue }
            readByHand += 1
            #expect((try? HangarJSON.decoder.decode(EventBatch.self, from: Data(body))) == read, "\(String(decoding: body, as: UTF8.self))")
        }
        #expect(readByHand > 100)
    }

    @Test("an event's body is copied as it came, not written again")
    func bodyCopiedAsReceived() throws {
        let event = Self.step(.started)
        // A worker that writes its JSON otherwise (spaces, another key order) is handed on as it wrote it.
        let original = Array(try HangarJSON.encoder.encode(event))
        let spaced = Array(String(decoding: original, as: UTF8.self).replacingOccurrences(of: ",\"", with: " , \"").utf8)
        let batch = HangarMessage.eventBatch(EventBatch(items: [.init(messageId: "m1", message: .stepEvent(event), body: spaced)]))
        let body = try ContractCodec.encode(batch)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(String(decoding: spaced, as: UTF8.self)))
        #expect(text.hasPrefix(#"{"events":[{"body":"#) && text.hasSuffix(#","id":"m1","type":"step.started"}]}"#))
        #expect(try ContractCodec.decode(type: batch.type, schemaVersion: 1, body: body) == batch)
    }

    @Test("urgent exactly when an event must not wait: a deployment's end, a server's stop")
    func urgency() {
        func type(_ messages: [HangarMessage]) -> String {
            HangarMessage.eventBatch(EventBatch(items: messages.enumerated().map { .init(messageId: "m\($0.offset)", message: $0.element) })).type
        }
        #expect(type([.stepEvent(Self.step(.succeeded)), .deploymentEvent(Self.deploymentEvent(.running))]) == EventBatch.messageType)
        #expect(type([.deploymentEvent(Self.deploymentEvent(.queued))]) == EventBatch.messageType)
        #expect(type([.stepEvent(Self.step(.succeeded)), .deploymentEvent(Self.deploymentEvent(.succeeded))]) == EventBatch.urgentMessageType)
        #expect(type([.deploymentEvent(Self.deploymentEvent(.awaitingApproval))]) == EventBatch.urgentMessageType)
        #expect(type([.shutdownEvent(Self.shutdown)]) == EventBatch.urgentMessageType)
        #expect(EventBatch.canWait(type: EventBatch.messageType))
        #expect(!EventBatch.canWait(type: EventBatch.urgentMessageType))
    }

    @Test("an item that is no event, or whose kind contradicts its type, makes the batch malformed")
    func malformedItems() throws {
        let event = String(decoding: try ContractCodec.encode(.stepEvent(Self.step(.succeeded))), as: UTF8.self)
        for (type, reason) in [("step.execute", "'step.execute' is not an event"), ("step.failed", "contradicts the type")] {
            let body = Array(#"{"events":[{"body":\#(event),"id":"m1","type":"\#(type)"}]}"#.utf8)
            #expect {
                _ = try ContractCodec.decode(type: EventBatch.messageType, schemaVersion: 1, body: body)
            } throws: { error in
                guard case .malformed(_, let text) = error as? ContractError else { return false }
                return text.contains(reason)
            }
        }
    }
}
