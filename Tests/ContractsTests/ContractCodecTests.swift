import Foundation
import HangarContracts
import Testing

@Suite("Message contracts")
struct ContractCodecTests {
    static let deployment = UUID.v7()

    static let messages: [HangarMessage] = [
        .submitDeployment(
            SubmitDeployment(
                deploymentId: deployment, environmentId: UUID(), environmentName: "web", version: "1.2.3", owner: "alice",
                createdAt: Date(timeIntervalSince1970: 1_800_000_000.123), scheduledAt: nil,
                options: DeploymentOptions(lockInstances: true), mode: .requestReconnection,
                reconnection: Reconnection(minutes: 5, message: "save your work"), notify: ["ops@example.com"],
                target: ProviderTarget(provider: "simulated", settings: ["stepDurationMs": 50]), reconnectionMonthlyLimit: 3)),
        .cancelDeployment(CancelDeployment(deploymentId: deployment, requestedBy: "bob", requestedAt: Date())),
        .executeStep(
            ExecuteStep(
                deploymentId: deployment, environmentId: UUID(), environmentName: "web", version: nil, step: .createImage,
                attempt: 2, dispatchId: UUID(), target: ProviderTarget(provider: "simulated"), options: .init(), mode: .optimized,
                outputs: ["imageId": "ami-1"], continuation: .object(["poll": 1]), poll: 1)),
        .stepEvent(
            StepEvent(
                kind: .progress, deploymentId: deployment, step: .replaceInstances, attempt: 1, dispatchId: UUID(), at: Date(),
                detail: "replacing 2 of 4", continuation: .string("x"), checkAfter: Date())),
        .stepHeartbeat(
            StepHeartbeat(deploymentId: deployment, step: .createImage, attempt: 2, dispatchId: UUID(), at: Date(), worker: "worker-1")),
        .deploymentEvent(
            DeploymentEvent(
                status: .failed, deploymentId: deployment, environmentId: UUID(), environmentName: "web", version: "1",
                owner: "alice", at: Date(), createdAt: Date(), scheduledAt: nil, mode: .standard, options: .init(),
                notify: [], reason: "boom", failedStep: .createModels)),
    ]

    @Test("every message survives encoding and decoding, with its type and deployment id", arguments: messages)
    func roundTrip(_ message: HangarMessage) throws {
        let body = try ContractCodec.encode(message)
        let decoded = try ContractCodec.decode(type: message.type, schemaVersion: ContractCodec.schemaVersion, body: body)
        #expect(decoded.deploymentId == Self.deployment)
        #expect(decoded.type == message.type)
        // Dates keep millisecond precision on the wire.
        #expect(try ContractCodec.encode(decoded) == body)
    }

    @Test("fingerprints: a re-run reporting the same event matches; a line, an outcome or another text does not")
    func fingerprints() {
        let dispatch = UUID()
        func event(_ kind: StepEvent.Kind, _ detail: String?, at: TimeInterval, worker: String, checkAfter: Date? = nil) -> HangarMessage {
            .stepEvent(
                StepEvent(
                    kind: kind, deploymentId: Self.deployment, step: .replaceInstances, attempt: 1, dispatchId: dispatch,
                    at: Date(timeIntervalSince1970: at), detail: detail, checkAfter: checkAfter, worker: worker))
        }
        let line = event(.progress, "replacing i-1", at: 1, worker: "worker-1")
        #expect(line.fingerprint == event(.progress, "replacing i-1", at: 2, worker: "worker-2").fingerprint, "time and worker aside")
        #expect(line.fingerprint != event(.progress, "replacing i-2", at: 1, worker: "worker-1").fingerprint)
        let waiting = event(.progress, "refresh is 40% done", at: 1, worker: "worker-1", checkAfter: Date())
        #expect(line.fingerprint != waiting.fingerprint, "a detail line is not the waiting outcome")
        #expect(
            waiting.fingerprint == event(.progress, "refresh is 60% done", at: 3, worker: "worker-2", checkAfter: Date()).fingerprint,
            "two waiting outcomes of one run are the same event")
        #expect(Fingerprint.hex(of: "").count == 16 && Fingerprint.hex(of: "a") == "af63dc4c8601ec8c", "FNV-1a 64")
    }

    @Test("unknown types, newer schemas and malformed bodies are refused with a reason")
    func refusals() throws {
        let body = try ContractCodec.encode(Self.messages[1])
        #expect(throws: ContractError.unknownType("deployment.explode")) {
            try ContractCodec.decode(type: "deployment.explode", schemaVersion: 1, body: body)
        }
        #expect(throws: ContractError.newerSchema(type: "deployment.cancel", version: 2, supported: 1)) {
            try ContractCodec.decode(type: "deployment.cancel", schemaVersion: 2, body: body)
        }
        #expect(throws: ContractError.missingType) { try ContractCodec.decode(type: nil, schemaVersion: 1, body: body) }
        do {
            _ = try ContractCodec.decode(type: "deployment.cancel", schemaVersion: 1, body: Array(#"{"deploymentId":"x"}"#.utf8))
            Issue.record("a malformed body was accepted")
        } catch {
            guard case .malformed(let type, let reason) = error else { throw error }
            #expect(type == "deployment.cancel")
            #expect(!reason.isEmpty)
        }
        // A step event whose body contradicts its type.
        let progress = try ContractCodec.encode(Self.messages[3])
        #expect(throws: ContractError.self) { try ContractCodec.decode(type: "step.succeeded", schemaVersion: 1, body: progress) }
    }

    @Test("steps run in the documented order")
    func stepOrder() {
        #expect(
            StepName.allCases.map(\.rawValue) == [
                "validate", "stop_preparation_server", "create_image", "create_models", "replace_instances", "finalize",
            ])
        #expect(StepName.validate.next == .stopPreparationServer)
        #expect(StepName.finalize.next == nil)
    }

    @Test("v7 UUIDs carry their time and sort by it")
    func uuidV7() {
        let earlier = UUID.v7(at: Date(timeIntervalSince1970: 1_700_000_000))
        let later = UUID.v7(at: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(earlier.uuidString.lowercased() < later.uuidString.lowercased())
        let text = earlier.uuidString
        #expect(text[text.index(text.startIndex, offsetBy: 14)] == "7", "version nibble")
        #expect("89AB".contains(text[text.index(text.startIndex, offsetBy: 19)]), "variant bits")
    }

    @Test("ids are written in lower case, as in paths and Location headers, and read in either case; a nil id is left out")
    func lowerCaseIds() throws {
        let id = try #require(UUID(uuidString: "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"))
        let summary = DeploymentSummary(
            id: id, environmentId: nil, environmentName: nil, version: nil, owner: nil, status: .queued, mode: nil,
            createdAt: nil, scheduledAt: nil, startedAt: nil, finishedAt: nil, durationMs: nil, steps: [])
        let text = String(decoding: try HangarJSON.encoder.encode(summary), as: UTF8.self)
        #expect(text.contains(#""id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b""#))
        #expect(!text.contains("environmentId"), "a nil id leaves its key out")
        for message in Self.messages {
            let body = String(decoding: try ContractCodec.encode(message), as: UTF8.self)
            let deployment = try #require(message.deploymentId)
            #expect(body.contains(deployment.uuidString.lowercased()))
            #expect(!body.contains(deployment.uuidString), "no id in upper case in \(message.type)")
        }
        let upper = #"{"id":"0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B","environmentId":null,"status":"queued","steps":[]}"#
        let decoded = try HangarJSON.decoder.decode(DeploymentSummary.self, from: Data(upper.utf8))
        #expect(decoded.id == id)
        #expect(decoded.environmentId == nil)
        let lower =
            #"{"id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","environmentId":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","status":"queued","steps":[]}"#
        #expect(try HangarJSON.decoder.decode(DeploymentSummary.self, from: Data(lower.utf8)).environmentId == id)
    }

    @Test("a freeze snapshot is a command about no single deployment, and survives encoding and decoding")
    func freezeSnapshot() throws {
        let window = FreezeWindow(
            id: UUID.v7(), environmentId: nil, reason: "year-end", start: Date(timeIntervalSince1970: 1_800_000_000),
            end: Date(timeIntervalSince1970: 1_800_086_400), createdBy: "admin", createdAt: Date(timeIntervalSince1970: 1_799_000_000))
        let message = HangarMessage.freezeSnapshot(FreezeSnapshot(revision: 7, windows: [window], at: Date(timeIntervalSince1970: 1_799_000_001)))
        #expect(message.type == "freeze.snapshot")
        #expect(message.kind == .command)
        #expect(message.deploymentId == nil)
        let decoded = try ContractCodec.decode(type: message.type, schemaVersion: 1, body: try ContractCodec.encode(message))
        #expect(decoded == message)
        guard case .freezeSnapshot(let snapshot) = decoded else { return }
        #expect(snapshot.windows(of: UUID()) == [window], "a window of every environment applies to each")
    }

    @Test(
        "scheduled server stops: the request, the worker's question and answer, and each turn's event keep their types and route; a contradicting status is refused"
    )
    func serverShutdowns() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let environment = UUID()
        let command = ScheduleServerShutdown(
            environmentId: environment, environmentName: "web", serverId: "i-1", serverName: "prep", at: at, requestedBy: "alice",
            requestedAt: at.addingTimeInterval(-60), notify: ["ops@example.com"], target: ProviderTarget(provider: "simulated"))
        let request = ServerRequest(
            environmentId: environment, environmentName: "web", target: ProviderTarget(provider: "simulated"), action: .stop, serverId: "i-1",
            requestedBy: "scheduled shutdown by alice", expiresAt: at, replyQueue: "hangar.scheduler")
        let reply = ServerReply(requestId: request.requestId, failure: .failed, error: "throttled", worker: "worker-1")
        let event = ServerShutdownEvent(
            status: .failed, environmentId: environment, environmentName: "web", serverId: "i-1", serverName: "prep", dueAt: at,
            requestedBy: "alice", requestedAt: command.requestedAt, attempt: 1, error: "throttled", retryAt: at.addingTimeInterval(15), at: at)
        let expected: [(HangarMessage, String, HangarMessage.Kind)] = [
            (.scheduleShutdown(command), "server.shutdown.schedule", .command), (.serverRequest(request), "server.action", .command),
            (.serverReply(reply), "server.reply", .command), (.shutdownEvent(event), "server.shutdown.failed", .event),
        ]
        for (message, type, kind) in expected {
            #expect(message.type == type && message.kind == kind && message.deploymentId == nil)
            #expect(try ContractCodec.decode(type: message.type, schemaVersion: 1, body: try ContractCodec.encode(message)) == message)
        }
        #expect(
            command.messageId
                != ScheduleServerShutdown(
                    environmentId: environment, environmentName: "web", serverId: "i-1", serverName: "prep", at: nil, requestedBy: "alice",
                    requestedAt: at, target: ProviderTarget(provider: "simulated")
                ).messageId, "a cancel made later has its own id")
        #expect(throws: ContractError.self) {
            try ContractCodec.decode(type: "server.shutdown.stopped", schemaVersion: 1, body: try ContractCodec.encode(.shutdownEvent(event)))
        }
        #expect(throws: ContractError.unknownType("server.shutdown.paused")) {
            try ContractCodec.decode(type: "server.shutdown.paused", schemaVersion: 1, body: Array("{}".utf8))
        }
    }

    @Test("dates are RFC 3339 UTC with milliseconds")
    func dates() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000.25)
        #expect(HangarJSON.formatDate(date) == "2027-01-15T08:00:00.250Z")
        #expect(HangarJSON.parseDate("2027-01-15T08:00:00Z") == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(HangarJSON.parseDate("2027-01-15T09:00:00.250+01:00") == date)
        #expect(HangarJSON.parseDate("yesterday") == nil)
        // Out of range: refused, not rolled over into another time (the fuzzer found 12:99 taken as 13:39).
        #expect(HangarJSON.parseDate("2024-01-01T12:99:00Z") == nil)
        #expect(HangarJSON.parseDate("2026-02-30T10:00:00Z") == nil)
        #expect(HangarJSON.parseDate("2026-02-28T24:00:00+01:00") == nil)
    }
}

extension HangarMessage: CustomTestStringConvertible {
    public var testDescription: String { type }
}
