import Foundation
import HangarContracts
import HangarProviders
import Testing

@Suite("Simulated provider settings")
struct SimulatedSettingsTests {
    @Test("no settings: no waiting, no polls, no failures")
    func defaults() throws {
        let settings = try SimulatedSettings(settings: [:])
        #expect(settings == SimulatedSettings())
        #expect(settings.duration(of: .createImage) == .zero)
        #expect(settings.pollCount(of: .createImage) == 0)
        #expect(settings.pollInterval == .seconds(1))
        #expect(settings.failure(of: .createImage, attempt: 1) == nil)
        #expect(settings.settings.isEmpty)
    }

    @Test("every setting is read")
    func full() throws {
        let json: [String: JSONValue] = [
            "stepDurationMs": 1500, "durations": ["create_image": 4000, "finalize": 0.5],
            "polls": ["replace_instances": 5], "pollIntervalMs": 2000,
            "failures": [
                ["step": "create_models", "attempts": [1, 3], "transient": false, "message": "quota"],
                ["step": "validate"],
            ],
        ]
        let settings = try SimulatedSettings(settings: json)
        #expect(settings.duration(of: .validate) == .milliseconds(1500))
        #expect(settings.duration(of: .createImage) == .seconds(4))
        #expect(settings.duration(of: .finalize) == .microseconds(500))
        #expect(settings.pollCount(of: .replaceInstances) == 5)
        #expect(settings.pollInterval == .seconds(2))
        #expect(
            settings.failure(of: .createModels, attempt: 1)
                == .init(step: .createModels, attempts: .only([1, 3]), transient: false, message: "quota"))
        #expect(settings.failure(of: .createModels, attempt: 2) == nil)
        #expect(settings.failure(of: .validate, attempt: 99) == .init(step: .validate, attempts: .all, transient: true))
        #expect(try SimulatedSettings(settings: settings.settings) == settings, "settings round-trip through JSON")
    }

    @Test(
        "every problem is reported with its field",
        arguments: [
            (["stepDurationMs": "fast"], "stepDurationMs", "must be a number of milliseconds"),
            (["stepDurationMs": -1], "stepDurationMs", "must be from 0 to 600000 milliseconds, got -1"),
            (["stepDurationMs": 3_600_000], "stepDurationMs", "must be from 0 to 600000 milliseconds, got 3600000"),
            (["pollIntervalMs": true], "pollIntervalMs", "must be a number of milliseconds"),
            (["durations": 5], "durations", "must be an object from step name to value, like {\"create_image\": 2000}"),
            (
                ["durations": ["create_imag": 5]], "durations.create_imag",
                "unknown step; the steps are validate, stop_preparation_server, create_image, create_models, replace_instances, finalize"
            ),
            (["durations": ["create_image": "5"]], "durations.create_image", "must be a number of milliseconds"),
            (["polls": ["create_image": 1.5]], "polls.create_image", "must be a whole number"),
            (["polls": ["create_image": -1]], "polls.create_image", "must be at least 0, got -1"),
            (["failures": ["step": "validate"]], "failures", "must be an array of objects like {\"step\": \"create_image\", \"attempts\": [1]}"),
            (["failures": ["validate"]], "failures[0]", "must be an object like {\"step\": \"create_image\", \"attempts\": [1]}"),
            (["failures": [["attempts": [1]]]], "failures[0].step", "is required"),
            (
                ["failures": [["step": "deploy"]]], "failures[0].step",
                "must be one of validate, stop_preparation_server, create_image, create_models, replace_instances, finalize"
            ),
            (
                ["failures": [["step": "validate", "attempts": "some"]]], "failures[0].attempts",
                "must be \"all\" or a non-empty array of attempt numbers (from 1)"
            ),
            (
                ["failures": [["step": "validate", "attempts": []]]], "failures[0].attempts",
                "must be \"all\" or a non-empty array of attempt numbers (from 1)"
            ),
            (["failures": [["step": "validate", "attempts": [0]]]], "failures[0].attempts[0]", "must be at least 1, got 0"),
            (["failures": [["step": "validate", "transient": "yes"]]], "failures[0].transient", "must be true or false"),
            (["health": 1], "health", "must be an object like {\"failAfterBatch\": 1}"),
            (["health": ["failAfter": 1]], "health.failAfter", "unknown setting; expected failAfterBatch"),
            (["failures": [["step": "validate", "message": ""]]], "failures[0].message", "must be a non-empty string"),
            (
                ["failures": [["step": "validate", "retries": 2]]], "failures[0].retries",
                "unknown key; a failure has step, attempts, transient and message"
            ),
            (
                ["stepDurationMS": 5], "stepDurationMS",
                "unknown setting; the simulated provider understands stepDurationMs, durations, polls, pollIntervalMs, failures, instances, unreachableInstances, sessionsPerInstance, drainMs, health"
            ),
        ] as [([String: JSONValue], String, String)])
    func problems(settings: [String: JSONValue], field: String, message: String) {
        #expect(throws: SimulatedSettingsError(problems: [.init(field: field, message: message)])) {
            try SimulatedSettings(settings: settings)
        }
    }

    @Test("several problems are reported together")
    func severalProblems() {
        let error = #expect(throws: SimulatedSettingsError.self) {
            try SimulatedSettings(settings: ["stepDurationMs": -1, "polls": ["finalize": "x"], "extra": 1])
        }
        #expect(error?.problems.map(\.field) == ["extra", "stepDurationMs", "polls.finalize"])
        #expect(error?.description.hasPrefix("invalid simulated provider settings: extra: unknown setting") == true)
    }

    @Test("the provider validates settings for the API")
    func providerValidates() throws {
        try SimulatedProvider().validate(settings: ["stepDurationMs": 10])
        #expect(throws: SimulatedSettingsError.self) { try SimulatedProvider().validate(settings: ["polls": []]) }
    }
}
