import Foundation
import HangarContracts
import HangarProviders
import Synchronization
import Testing

@Suite("Simulated provider")
struct SimulatedProviderTests {
    @Test("validate reports its detail lines and derives the server from the environment")
    func validate() async throws {
        let (outcome, lines) = try await run(Fixtures.command(.validate))
        #expect(lines == ["retrieving server information", "checking the instance group"])
        guard case .succeeded(let outputs, let detail) = outcome else { throw TestFailure("not succeeded: \(outcome)") }
        let server = try #require(outputs["preparationServerId"])
        #expect(server.hasPrefix("i-") && server.count == 19)
        #expect(outputs["instanceGroup"]?.hasPrefix("hangar-") == true)
        #expect(detail?.contains(server) == true)
        let (again, _) = try await run(Fixtures.command(.validate))
        #expect(again == outcome, "same environment, same server")
    }

    @Test("the same command gives the same outputs; another deployment gives others")
    func deterministicOutputs() async throws {
        let deployment = UUID()
        let (first, _) = try await run(Fixtures.command(.createImage, deployment: deployment))
        let (second, _) = try await run(Fixtures.command(.createImage, deployment: deployment, attempt: 2))
        let (other, _) = try await run(Fixtures.command(.createImage))
        guard case .succeeded(let outputs, _) = first, case .succeeded(let secondOutputs, _) = second,
            case .succeeded(let otherOutputs, _) = other
        else { throw TestFailure("not all succeeded") }
        let imageId = try #require(outputs["imageId"])
        #expect(imageId.wholeMatch(of: /ami-[0-9a-f]{17}/) != nil, "\(imageId)")
        #expect(secondOutputs == outputs, "a re-run finds the same image")
        #expect(otherOutputs["imageId"] != imageId)

        let (models, lines) = try await run(
            Fixtures.command(.createModels, deployment: deployment, outputs: ["imageId": imageId]))
        #expect(lines == ["creating main model", "creating backup model", "removing old models"])
        guard case .succeeded(let modelOutputs, _) = models else { throw TestFailure("models: \(models)") }
        let main = try #require(modelOutputs["mainModelVersion"].flatMap { Int($0) })
        let backup = try #require(modelOutputs["backupModelVersion"].flatMap { Int($0) })
        #expect(main >= 2 && backup == main + 1)
        let (modelsAgain, _) = try await run(
            Fixtures.command(.createModels, deployment: deployment, outputs: ["imageId": imageId]))
        #expect(modelsAgain == models)
        let (otherModels, _) = try await run(Fixtures.command(.createModels, outputs: ["imageId": imageId]))
        #expect(otherModels != models)
    }

    @Test("stop_preparation_server is skipped unless asked for")
    func stopPreparationServer() async throws {
        let (skipped, quiet) = try await run(Fixtures.command(.stopPreparationServer))
        #expect(skipped == .skipped(reason: "the preparation server was not asked to stop"))
        #expect(quiet.isEmpty)

        let (stopped, lines) = try await run(
            Fixtures.command(.stopPreparationServer, options: .init(stopPreparationServer: true)))
        #expect(lines == ["stopping the preparation server"])
        guard case .succeeded(let outputs, _) = stopped else { throw TestFailure("\(stopped)") }
        #expect(outputs["preparationServerStopped"] == "true")
    }

    @Test("a skipped step stays skipped even when a failure is injected into it")
    func skipWinsOverFailure() async throws {
        let settings: [String: JSONValue] = ["failures": [["step": "stop_preparation_server"]]]
        let (outcome, _) = try await run(Fixtures.command(.stopPreparationServer, settings: settings))
        #expect(outcome == .skipped(reason: "the preparation server was not asked to stop"))
    }

    @Test("replace_instances names the publish mode and locks instances when asked")
    func replaceInstances() async throws {
        let (plain, plainLines) = try await run(Fixtures.command(.replaceInstances, outputs: Fixtures.modelOutputs))
        #expect(plainLines == ["replacing instances in optimized publish mode"])
        guard case .succeeded(let outputs, let detail) = plain else { throw TestFailure("\(plain)") }
        #expect(outputs["instanceRefreshId"]?.hasPrefix("refresh-") == true)
        #expect(detail == "instances replaced with main model version 12")

        let (_, lines) = try await run(
            Fixtures.command(
                .replaceInstances, options: .init(lockInstances: true, terminateSessions: true), mode: .requestReconnection,
                reconnection: .init(minutes: 10, message: "please save your work"), outputs: Fixtures.modelOutputs))
        #expect(lines.first == "locking instances")
        #expect(lines.contains { $0.contains("request reconnection") && $0.contains("10 minutes") && $0.contains("please save your work") })
        #expect(lines.filter { $0.hasPrefix("user sessions ended on i-") }.count == 2, "each instance of the default group of 2")
        #expect(lines.last == "unlocking instances")

        for mode in PublishMode.allCases where mode != .requestReconnection {
            let (_, modeLines) = try await run(Fixtures.command(.replaceInstances, mode: mode, outputs: Fixtures.modelOutputs))
            #expect(modeLines.count == 1)
            #expect(modeLines.first?.contains("publish mode") == true)
        }
    }

    @Test("request reconnection: one line per simulated instance says whether the request reached it; none claims a wait")
    func reconnectionNotice() async throws {
        let reconnection = Reconnection(minutes: 5, message: "please save your work")
        let (_, lines) = try await run(
            Fixtures.command(
                .replaceInstances, settings: ["instances": 3, "unreachableInstances": 1], mode: .requestReconnection,
                reconnection: reconnection, outputs: Fixtures.modelOutputs))
        #expect(lines.contains("sending the reconnection request to 3 simulated instances"))
        let delivered = lines.filter { $0.hasPrefix("reconnection request delivered to i-") }
        let missed = lines.filter { $0.hasPrefix("reconnection request not delivered to i-") && $0.hasSuffix("unreachable") }
        #expect(delivered.count == 2 && missed.count == 1, "\(lines)")
        #expect(lines.contains("users were asked to reconnect on 2 of 3 instances (simulated: replacing does not wait for them)"))
        // The same environment's instances keep their ids from one deployment to the next.
        let (_, again) = try await run(
            Fixtures.command(
                .replaceInstances, settings: ["instances": 3, "unreachableInstances": 1], mode: .requestReconnection,
                reconnection: reconnection, outputs: Fixtures.modelOutputs))
        #expect(again.filter { $0.hasPrefix("reconnection request delivered to i-") } == delivered)

        let (_, nobody) = try await run(
            Fixtures.command(
                .replaceInstances, settings: ["instances": 2, "unreachableInstances": 5], mode: .requestReconnection,
                reconnection: reconnection, outputs: Fixtures.modelOutputs))
        #expect(nobody.contains("the reconnection request reached none of the 2 instances"))
        #expect(!nobody.contains { $0.contains("asked to reconnect") })
        #expect(throws: SimulatedSettingsError.self) { try SimulatedSettings(settings: ["instances": 101]) }
    }

    @Test("steps that need an earlier step's output fail permanently without it")
    func missingOutputs() async throws {
        let (models, _) = try await run(Fixtures.command(.createModels))
        guard case .failed(let error, let transient) = models else { throw TestFailure("\(models)") }
        #expect(error.contains("imageId"))
        #expect(!transient)
        let (replace, _) = try await run(Fixtures.command(.replaceInstances, outputs: Fixtures.imageOutputs))
        guard case .failed(let replaceError, false) = replace else { throw TestFailure("\(replace)") }
        #expect(replaceError.contains("mainModelVersion"))
    }

    @Test("finalize outputs the version label, or v and a short id, and restarts a stopped server")
    func finalize() async throws {
        var stopped = Fixtures.modelOutputs
        stopped["preparationServerStopped"] = "true"
        let (labelled, lines) = try await run(
            Fixtures.command(.finalize, options: .init(stopPreparationServer: true), outputs: stopped, version: "2.4.0"))
        #expect(lines == ["starting the preparation server again", "publishing version 2.4.0"])
        // Asked to stop it, but it was stopped already (the step said it stays so): not started.
        var leftStopped = Fixtures.modelOutputs
        leftStopped["preparationServerStopped"] = "false"
        let (_, leftLines) = try await run(
            Fixtures.command(.finalize, options: .init(stopPreparationServer: true), outputs: leftStopped, version: "2.4.1"))
        #expect(leftLines == ["publishing version 2.4.1"])
        guard case .succeeded(let outputs, _) = labelled else { throw TestFailure("\(labelled)") }
        #expect(outputs == ["generatedVersion": "2.4.0", "imageId": "ami-0123456789abcdef0", "mainModelVersion": "12", "backupModelVersion": "13"])

        let deployment = try #require(UUID(uuidString: "0193a1b2-0000-7000-8000-00000badc0de"))
        let (unlabelled, quietLines) = try await run(Fixtures.command(.finalize, deployment: deployment))
        #expect(quietLines == ["publishing version v0badc0de"])
        #expect(unlabelled == .succeeded(outputs: ["generatedVersion": "v0badc0de"], detail: "version v0badc0de is published"))
    }

    @Test("stop_preparation_server and finalize act on the simulated servers' state; one stopped already stays stopped")
    func preparationServerState() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-simulated-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let provider = SimulatedProvider(serverStateFile: file)
        let environment = UUID()
        let options = DeploymentOptions(stopPreparationServer: true)
        func command(_ step: StepName, outputs: [String: String] = [:]) -> ExecuteStep {
            var command = Fixtures.command(step, options: options, outputs: outputs)
            command.environmentId = environment
            return command
        }
        let target = ProviderTarget(provider: SimulatedProvider.name, environmentId: environment)
        func preparationStatus() async throws -> String? { try await provider.servers(of: target).first { $0.role == .preparation }?.status }
        func stoppedOutput(_ outcome: StepOutcome) -> String? {
            if case .succeeded(let outputs, _) = outcome { outputs["preparationServerStopped"] } else { nil }
        }
        #expect(try await preparationStatus() == "running")

        #expect(stoppedOutput(try await provider.execute(command(.stopPreparationServer)) { _ in }) == "true")
        #expect(["stopping", "stopped"].contains(try await preparationStatus()), "the listing shows what the history says")
        _ = try await provider.execute(command(.finalize, outputs: ["preparationServerStopped": "true"])) { _ in }
        #expect(["pending", "running"].contains(try await preparationStatus()))

        // Stopped by someone else before the deployment: left so, and not started at the end.
        let server = try #require(try await provider.servers(of: target).first { $0.role == .preparation })
        _ = try await provider.perform(.stop, on: server.id, of: target)
        try await Task.sleep(for: SimulatedProvider.transitionDuration + .milliseconds(100))
        let again = try await provider.execute(command(.stopPreparationServer)) { _ in }
        #expect(stoppedOutput(again) == "false")
        guard case .succeeded(_, let detail) = again else { throw TestFailure("\(again)") }
        #expect(detail?.contains("was already stopped; it stays stopped") == true)
        #expect(try await preparationStatus() == "stopped")
    }

    @Test("a step with polls answers in progress that many times, then completes")
    func polls() async throws {
        let deployment = UUID()
        let settings: [String: JSONValue] = ["polls": ["create_image": 2], "pollIntervalMs": 250]
        let (first, firstLines) = try await run(Fixtures.command(.createImage, deployment: deployment, settings: settings))
        #expect(firstLines.count == 1 && firstLines[0].hasPrefix("creating an image"))
        guard case .inProgress(let continuation, let checkAfter, let detail) = first else { throw TestFailure("\(first)") }
        #expect(checkAfter == .milliseconds(250))
        #expect(detail?.contains("pending") == true && detail?.contains("check 1 of 2") == true)
        #expect(continuation.objectValue?["step"] == "create_image")
        #expect(continuation.objectValue?["resource"]?.stringValue?.hasPrefix("ami-") == true)

        let (second, secondLines) = try await run(
            Fixtures.command(.createImage, deployment: deployment, settings: settings, poll: 1, continuation: continuation))
        #expect(secondLines.isEmpty, "a check reports no start lines again")
        guard case .inProgress(_, _, let secondDetail) = second else { throw TestFailure("\(second)") }
        #expect(secondDetail?.contains("check 2 of 2") == true)

        let (third, _) = try await run(Fixtures.command(.createImage, deployment: deployment, settings: settings, poll: 2))
        let (direct, _) = try await run(Fixtures.command(.createImage, deployment: deployment))
        guard case .succeeded(let outputs, let doneDetail) = third, case .succeeded(let directOutputs, _) = direct else {
            throw TestFailure("\(third)")
        }
        #expect(outputs == directOutputs, "same image whether or not it waited")
        #expect(doneDetail == "image \(outputs["imageId"]!) is available")
    }

    @Test("the lines that finish a step come on the run that completes it")
    func finishLinesAfterPolls() async throws {
        let settings: [String: JSONValue] = ["polls": ["create_models": 1]]
        let (first, firstLines) = try await run(Fixtures.command(.createModels, settings: settings, outputs: Fixtures.imageOutputs))
        #expect(firstLines == ["creating main model", "creating backup model"])
        guard case .inProgress = first else { throw TestFailure("\(first)") }
        let (last, lastLines) = try await run(
            Fixtures.command(.createModels, settings: settings, poll: 1, outputs: Fixtures.imageOutputs))
        #expect(lastLines == ["removing old models"])
        guard case .succeeded = last else { throw TestFailure("\(last)") }
    }

    @Test("failures are injected by step and attempt, transient or permanent")
    func failures() async throws {
        let settings: [String: JSONValue] = [
            "failures": [
                ["step": "create_image", "attempts": [1, 2], "transient": true, "message": "throttled"],
                ["step": "create_models", "attempts": "all", "transient": false],
            ]
        ]
        let (first, _) = try await run(Fixtures.command(.createImage, settings: settings, attempt: 1))
        #expect(first == .failed(error: "throttled", transient: true))
        let (second, _) = try await run(Fixtures.command(.createImage, settings: settings, attempt: 2))
        #expect(second == .failed(error: "throttled", transient: true))
        let (third, _) = try await run(Fixtures.command(.createImage, settings: settings, attempt: 3))
        guard case .succeeded = third else { throw TestFailure("attempt 3: \(third)") }

        for attempt in [1, 7] {
            let (models, lines) = try await run(
                Fixtures.command(.createModels, settings: settings, attempt: attempt, outputs: Fixtures.imageOutputs))
            #expect(models == .failed(error: "simulated failure of create_models on attempt \(attempt)", transient: false))
            #expect(lines.count == 3, "the details come before the failure")
        }
        let (validate, _) = try await run(Fixtures.command(.validate, settings: settings))
        guard case .succeeded = validate else { throw TestFailure("validate: \(validate)") }
    }

    @Test("a failure comes after the step's polls")
    func failureAfterPolls() async throws {
        let settings: [String: JSONValue] = [
            "polls": ["create_image": 1], "failures": [["step": "create_image", "transient": false, "message": "image failed"]],
        ]
        let (waiting, _) = try await run(Fixtures.command(.createImage, settings: settings))
        guard case .inProgress = waiting else { throw TestFailure("\(waiting)") }
        let (failed, _) = try await run(Fixtures.command(.createImage, settings: settings, poll: 1))
        #expect(failed == .failed(error: "image failed", transient: false))
    }

    @Test("durations hold the worker, split over the detail lines")
    func durations() async throws {
        // The provider's clock is the test's: it notes each wait asked for instead of sleeping.
        let waits = Mutex<[Duration]>([])
        let provider = SimulatedProvider(sleep: { duration in waits.withLock { $0.append(duration) } })
        func held(_ step: StepName) async throws -> (total: Duration, waits: [Duration], lines: Int) {
            waits.withLock { $0 = [] }
            let settings: [String: JSONValue] = ["stepDurationMs": 4000, "durations": ["validate": 30, "create_image": 200]]
            let (_, lines) = try await run(Fixtures.command(step, settings: settings), on: provider)
            let asked = waits.withLock { $0 }
            return (asked.reduce(.zero, +), asked, lines.count)
        }
        // Split evenly, the shares may add up to a few attoseconds less than the whole.
        func about(_ total: Duration, _ expected: Duration) -> Bool { total > expected - .microseconds(1) && total < expected + .microseconds(1) }
        let validate = try await held(.validate)
        #expect(about(validate.total, .milliseconds(30)), "validate's own duration, not the default")
        let image = try await held(.createImage)
        #expect(about(image.total, .milliseconds(200)), "create_image's own duration, not the default")
        #expect(image.waits.count == image.lines && validate.waits.count == validate.lines, "one wait after each detail line")
        #expect(Set(image.waits).count == 1, "split evenly: \(image.waits)")
        let finalize = try await held(.finalize)
        #expect(about(finalize.total, .milliseconds(4000)), "a step without its own duration takes the default")
        let skip = try await held(.stopPreparationServer)
        #expect(skip.total == .zero && skip.waits.isEmpty, "a skipped step does not wait")
    }

    @Test("invalid settings fail the step permanently")
    func invalidSettings() async throws {
        let (outcome, _) = try await run(Fixtures.command(.validate, settings: ["stepDurationMs": "slow"]))
        guard case .failed(let error, let transient) = outcome else { throw TestFailure("\(outcome)") }
        #expect(!transient)
        #expect(error.contains("stepDurationMs"))
    }

    @Test("the registry knows simulated and names the unknown")
    func registry() throws {
        var registry = ProviderRegistry()
        #expect(registry.names == ["simulated"])
        #expect(try registry.provider(named: "simulated") is SimulatedProvider)
        #expect(throws: UnknownProviderError(name: "aws", known: ["simulated"])) { try registry.provider(named: "aws") }
        #expect("\(UnknownProviderError(name: "aws", known: ["simulated"]))" == "unknown provider 'aws'; this worker knows: simulated")

        registry.register(SimulatedProvider(), as: "other")
        #expect(registry.names == ["other", "simulated"])
        try registry.validate(ProviderTarget(provider: "simulated", settings: ["stepDurationMs": 5]))
        #expect(throws: SimulatedSettingsError.self) {
            try registry.validate(ProviderTarget(provider: "simulated", settings: ["stepDurationMs": -5]))
        }
        #expect(throws: UnknownProviderError.self) { try registry.validate(ProviderTarget(provider: "gcp")) }
    }
}
