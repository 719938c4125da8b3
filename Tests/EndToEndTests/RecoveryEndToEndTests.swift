import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Testing

/// What the services do with bad input and with work that went missing.
@Suite("Dead letters and reconciliation end to end", .serialized, .timeLimit(.minutes(3)))
struct RecoveryEndToEndTests {
    @Test(
        "malformed, unknown and newer-schema messages are dead-lettered with their reason and kept; listed, replayed and purged through the API and the CLI (admin only); the services carry on"
    )
    func deadLetters() async throws {
        let system = try await HangarSystem("dead-letters")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("steady")

        #expect(
            try await system.publishRaw(
                exchange: "hangar.commands", routingKey: "deployment.submit", type: "deployment.submit", body: "{not json",
                headers: ["x-schema-version": 1]))
        #expect(
            try await system.publishRaw(
                exchange: "hangar.commands", routingKey: "deployment.submit", type: "deployment.submit", body: "{}",
                headers: ["x-schema-version": 2]))
        #expect(
            try await system.publishRaw(
                exchange: "hangar.events", routingKey: "step.exploded", type: "step.exploded", body: "{}"))
        #expect(
            try await system.publishRaw(
                exchange: "hangar.events", routingKey: "events.batch.exploded", type: "events.batch.exploded", body: "{}"))

        // The scheduler is not stuck: a real deployment still runs.
        let id = try await system.deploy("steady")
        _ = try await system.wait(for: id, status: .succeeded)

        // The recorder keeps each dead letter; the API lists them with their reasons.
        @Sendable func deadLetters(token: String = HangarSystem.adminToken) async throws -> [DeadLetterSummary] {
            let (data, status) = try await system.request("GET", "/v1/dead-letters", token: token)
            guard status == 200 else { throw E2EFailure("GET /v1/dead-letters answered \(status)") }
            return try HangarJSON.decoder.decode(DeadLetterList.self, from: data).items
        }
        // `step.exploded` reached the scheduler's queue (the recorder takes step events from the
        // scheduler's batches); `events.batch.exploded` the recorder's.
        try await eventually("four dead letters kept", timeout: .seconds(20)) { try await deadLetters().count == 4 }
        let kept = try await deadLetters()
        let malformed = try #require(kept.first { $0.reason.contains("malformed 'deployment.submit'") }, "\(kept)")
        let newer = try #require(kept.first { $0.reason.contains("schema version 2") }, "\(kept)")
        let unknown = try #require(
            kept.first { $0.reason.contains("unknown message type 'events.batch.exploded'") && $0.queue == "hangar.recorder" }, "\(kept)")
        #expect(kept.filter { $0.reason.contains("unknown message type 'step.exploded'") }.map(\.queue) == ["hangar.scheduler"])
        #expect(malformed.queue == "hangar.scheduler" && newer.queue == "hangar.scheduler" && unknown.queue == "hangar.recorder")
        #expect(malformed.messageType == "deployment.submit" && malformed.preview == "{not json" && malformed.replays == 0)
        // Nothing is left in the broker's dead-letter queues: the recorder took them.
        #expect(try await system.peek(queue: "hangar.scheduler.dead").isEmpty)
        let (filtered, _) = try await system.request("GET", "/v1/dead-letters?queue=hangar.recorder")
        #expect(try HangarJSON.decoder.decode(DeadLetterList.self, from: filtered).items.map(\.id) == [unknown.id])

        // Admin only.
        for token in [HangarSystem.viewerToken, HangarSystem.deployerToken] {
            #expect(try await system.request("GET", "/v1/dead-letters", token: token).1 == 403)
            #expect(try await system.request("POST", "/v1/dead-letters/\(malformed.id)/replay", token: token).1 == 403)
            #expect(try await system.request("DELETE", "/v1/dead-letters/\(malformed.id)", token: token).1 == 403)
        }
        #expect(try await system.request("POST", "/v1/dead-letters/0000000000000000/replay").1 == 404)
        #expect(try await system.request("DELETE", "/v1/dead-letters/0000000000000000").1 == 404)

        // The CLI lists them.
        let listed = try await CLIEndToEndTests.hangar(["dead-letters"], system: system, token: HangarSystem.adminToken)
        #expect(listed.status == 0 && [malformed.id, newer.id, unknown.id].allSatisfy(listed.stdout.contains), "\(listed)")
        let refused = try await CLIEndToEndTests.hangar(["dead-letters", "list"], system: system, token: HangarSystem.viewerToken)
        #expect(refused.status != 0)

        // Replayed, the malformed one is still bad: it comes back with a new id, one replay counted.
        let replay = try await CLIEndToEndTests.hangar(["dead-letters", "replay", malformed.id], system: system, token: HangarSystem.adminToken)
        #expect(replay.status == 0, "\(replay)")
        try await eventually("the replayed letter back with a new id") {
            let now = try await deadLetters()
            return !now.contains { $0.id == malformed.id } && now.contains { $0.replays == 1 && $0.reason.contains("malformed 'deployment.submit'") }
        }
        // Purged: gone, through the API and the CLI.
        #expect(try await system.request("DELETE", "/v1/dead-letters/\(newer.id)").1 == 202)
        let purge = try await CLIEndToEndTests.hangar(["dead-letters", "purge", unknown.id], system: system, token: HangarSystem.adminToken)
        #expect(purge.status == 0, "\(purge)")
        try await eventually("the purged letters gone") {
            let now = try await deadLetters()
            return now.count == 2 && !now.contains { $0.id == newer.id || $0.id == unknown.id }
        }
    }

    @Test("the recorder SIGKILLed again and again while dead letters arrive and are replayed: each is kept once, none lost")
    func deadLettersUnderKills() async throws {
        let system = try await HangarSystem("dead-letter-kills")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        let count = 60
        // Undecodable submits, each of its own: the scheduler dead-letters every one.
        let publisher = Task {
            for index in 0..<count {
                _ = try await system.publishRaw(
                    exchange: "hangar.commands", routingKey: "deployment.submit", type: "deployment.submit", body: "{poison \(index)",
                    headers: ["x-schema-version": 1])
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        @Sendable func kept() async throws -> [DeadLetterSummary] {
            let (data, status) = try await system.request("GET", "/v1/dead-letters?limit=500")
            guard status == 200 else { return [] }
            return try HangarJSON.decoder.decode(DeadLetterList.self, from: data).items
        }
        // Kill the recorder every 300-700 ms meanwhile, and start it again.
        var kills = 0
        let until = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
            system.stop("recorder", signal: SIGKILL)
            kills += 1
            try system.start(.recorder)
        }
        try await publisher.value
        try await eventually("all \(count) kept", timeout: .seconds(30)) { try await kept().count >= count }
        var letters = try await kept()
        #expect(letters.count == count, "kept \(letters.count) of \(count)")
        #expect(Set(letters.map(\.preview)).count == count, "each poison once")

        // Replays while the recorder is killed: each comes back once (still bad), none twice.
        for letter in letters.prefix(20) {
            #expect(try await system.request("POST", "/v1/dead-letters/\(letter.id)/replay").1 == 202)
        }
        try await Task.sleep(for: .milliseconds(200))
        system.stop("recorder", signal: SIGKILL)
        kills += 1
        try system.start(.recorder)
        try await eventually("the 20 replayed back with one replay each", timeout: .seconds(30)) {
            try await kept().filter { $0.replays == 1 }.count >= 20
        }
        letters = try await kept()
        #expect(letters.count == count, "\(letters.count) kept after the replays")
        #expect(letters.filter { $0.replays == 1 }.count == 20 && Set(letters.map(\.preview)).count == count)
        print("dead letters under recorder kills: \(count) kept once each, 20 replayed once each, \(kills) recorder kills")
    }

    @Test("a step command that went missing is found by the reconciler and dispatched again")
    func zombie() async throws {
        let system = try await HangarSystem("zombie", extraEnvironment: ["HANGAR_SCHEDULER_STEP_TIMEOUT_MS": "1500"])
        defer { Task { await system.shutdown() } }
        // No worker yet: the first step.execute waits in hangar.steps, where it gets lost.
        try system.start(.scheduler)
        try system.start(.recorder)
        try system.start(.intake)
        try await system.waitUntilReady()
        try await system.createEnvironment("haunted")
        let id = try await system.deploy("haunted")
        let deadline = ContinuousClock.now + .seconds(20)
        while try await system.peek(queue: "hangar.steps").isEmpty {
            guard ContinuousClock.now < deadline else { throw E2EFailure("no step.execute was dispatched") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await system.purge(queue: "hangar.steps")
        try system.start(.worker, name: "worker-1")

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let validate = try #require(done.steps.first { $0.name == .validate })
        // At least 2: on a loaded machine the new worker may also take longer than the step timeout to answer.
        #expect(validate.attempts >= 2, "the lost dispatch was replaced by another attempt")
    }
}
