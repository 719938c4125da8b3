import HangarContracts

/// The settings of the `simulated` provider: an environment's `target.settings` when its
/// provider is `simulated`. Every key is optional; unknown keys are an error (a typo would
/// otherwise be ignored silently).
///
/// | key | JSON | default | what |
/// |---|---|---|---|
/// | `stepDurationMs` | number ≥ 0 | `0` | how long every run of a step holds the worker (`Task.sleep`), including each check on a waiting step |
/// | `durations` | object: step name → number ≥ 0 | `{}` | per-step override of `stepDurationMs` |
/// | `polls` | object: step name → whole number ≥ 0 | `{}` | the step answers "in progress" that many times (runs with `poll` 0 … N-1) before it completes on the run with `poll` N |
/// | `pollIntervalMs` | number ≥ 0 | `1000` | the `checkAfter` of an in-progress answer |
/// | `failures` | array of failure objects | `[]` | make steps fail on given attempts |
/// | `instances` | whole number 0…100 | `2` | how many instances the simulated group has (who a reconnection request goes to) |
/// | `unreachableInstances` | whole number 0…100 | `0` | that many of them (the last ones; all when it exceeds `instances`) do not receive a reconnection request |
/// | `health` | `{"failAfterBatch": n}` | none | with a health-gated replacement, the instances replaced in the batches after batch `n` report unhealthy |
/// | `sessionsPerInstance` | whole number 0…1000 | `0` | user sessions open on each instance: with `keepUsersConnected`, `replace_instances` drains them before replacing |
/// | `drainMs` | number ≥ 0 | `0` | how long those sessions take to end: evenly over this time, checked every `pollIntervalMs` |
///
/// A failure object: `{ "step": "create_image", "attempts": [1, 2], "transient": true,
/// "message": "the image quota is exhausted" }`.
/// - `step` (required): a step name (`validate`, `stop_preparation_server`, `create_image`,
///   `create_models`, `replace_instances`, `finalize`).
/// - `attempts`: an array of attempt numbers (from 1), or `"all"`. Default: `"all"`.
/// - `transient`: whether trying again may succeed. Default: `true`.
/// - `message`: the error text. Default: "simulated failure of <step> on attempt <n>".
///
/// The first failure object that matches a step and attempt applies. The step fails when it
/// would otherwise complete: after its polls, with its details already reported. A skipped
/// step (`stop_preparation_server` not asked for) is skipped, whatever the failures say.
/// Durations are at most ``maximumStepDurationMs`` (a step must not hold its delivery for
/// long; use `polls` to simulate slow clouds).
///
/// ```json
/// { "stepDurationMs": 1500, "durations": { "create_image": 4000 },
///   "polls": { "create_image": 3, "replace_instances": 5 }, "pollIntervalMs": 2000,
///   "failures": [ { "step": "create_models", "attempts": [1], "transient": true } ] }
/// ```
public struct SimulatedSettings: Sendable, Equatable {
    /// The longest duration a setting may give a step: 10 minutes.
    public static let maximumStepDurationMs = 600_000.0
    /// The longest `pollIntervalMs`: one day.
    public static let maximumPollIntervalMs = 86_400_000.0
    /// The keys this provider understands.
    public static let keys = [
        "stepDurationMs", "durations", "polls", "pollIntervalMs", "failures", "instances", "unreachableInstances", "sessionsPerInstance", "drainMs",
        "health",
    ]

    /// How long each run of a step holds the worker, unless `durations` says otherwise.
    public var stepDuration: Duration
    /// Per-step overrides of ``stepDuration`` (`durations`, in milliseconds in JSON).
    public var durations: [StepName: Duration]
    /// How many times each step answers "in progress" before it completes (`polls`); 0 for a step not listed.
    public var polls: [StepName: Int]
    /// The `checkAfter` of an in-progress answer (`pollIntervalMs`); 1 s by default.
    public var pollInterval: Duration
    /// The injected failures (`failures`), in order: the first that matches a step and attempt applies.
    public var failures: [Failure]
    /// The simulated group's size.
    public var instances = 2
    /// How many of the group's instances (the last ones) a reconnection request does not reach.
    public var unreachableInstances = 0
    /// User sessions open on each instance of the group (drained with `keepUsersConnected`).
    public var sessionsPerInstance = 0
    /// How long the sessions take to end when an instance is drained.
    public var drain: Duration = .zero
    /// With a health-gated replacement (``ExecuteStep/replacement``): the instances of the
    /// batches after this one report unhealthy once replaced (`health.failAfterBatch`); `nil`:
    /// every instance is healthy.
    public var failAfterBatch: Int?

    /// An injected failure.
    public struct Failure: Sendable, Equatable {
        /// The attempts of its step that a failure applies to.
        public enum Attempts: Sendable, Equatable {
            /// Every attempt (`"attempts": "all"`, the default).
            case all
            /// Only the listed attempt numbers, counted from 1.
            case only(Set<Int>)

            /// Whether the failure applies to attempt number `attempt` (counted from 1).
            public func contains(_ attempt: Int) -> Bool {
                switch self {
                case .all: return true
                case .only(let attempts): return attempts.contains(attempt)
                }
            }
        }

        /// The step that fails.
        public var step: StepName
        /// The attempts that fail; all by default.
        public var attempts: Attempts
        /// Whether the failure says that trying again may succeed (the failed outcome's `transient`); true by default.
        public var transient: Bool
        /// The error text; `nil` gives "simulated failure of <step> on attempt <n>".
        public var message: String?

        /// Creates a failure of `step`: on every attempt and transient unless told otherwise.
        public init(step: StepName, attempts: Attempts = .all, transient: Bool = true, message: String? = nil) {
            self.step = step
            self.attempts = attempts
            self.transient = transient
            self.message = message
        }
    }

    /// Creates settings in code (tests, benchmarks); the group's settings (``instances``…) keep their defaults.
    /// ``settings`` gives them as JSON.
    public init(
        stepDuration: Duration = .zero, durations: [StepName: Duration] = [:], polls: [StepName: Int] = [:],
        pollInterval: Duration = .seconds(1), failures: [Failure] = []
    ) {
        self.stepDuration = stepDuration
        self.durations = durations
        self.polls = polls
        self.pollInterval = pollInterval
        self.failures = failures
    }

    /// Reads and validates `settings`; throws every problem found at once.
    public init(settings: [String: JSONValue]) throws(SimulatedSettingsError) {
        self.init()
        var problems: [SimulatedSettingsError.Problem] = []
        func problem(_ field: String, _ message: String) { problems.append(.init(field: field, message: message)) }

        for key in settings.keys.sorted() where !Self.keys.contains(key) {
            problem(key, "unknown setting; the simulated provider understands \(Self.keys.joined(separator: ", "))")
        }
        if let value = settings["stepDurationMs"] {
            if let ms = Self.milliseconds(value, field: "stepDurationMs", maximum: Self.maximumStepDurationMs, problem) {
                stepDuration = .milliseconds(ms)
            }
        }
        if let value = settings["pollIntervalMs"] {
            if let ms = Self.milliseconds(value, field: "pollIntervalMs", maximum: Self.maximumPollIntervalMs, problem) {
                pollInterval = .milliseconds(ms)
            }
        }
        if let value = settings["durations"] {
            for (step, entry) in Self.stepObject(value, field: "durations", problem) {
                if let ms = Self.milliseconds(entry, field: "durations.\(step.rawValue)", maximum: Self.maximumStepDurationMs, problem) {
                    durations[step] = .milliseconds(ms)
                }
            }
        }
        if let value = settings["polls"] {
            for (step, entry) in Self.stepObject(value, field: "polls", problem) {
                if let count = Self.wholeNumber(entry, field: "polls.\(step.rawValue)", minimum: 0, problem) {
                    polls[step] = count
                }
            }
        }
        if let value = settings["failures"] {
            if let list = value.arrayValue {
                for (index, entry) in list.enumerated() {
                    if let failure = Self.failure(entry, field: "failures[\(index)]", problem) { failures.append(failure) }
                }
            } else {
                problem("failures", "must be an array of objects like {\"step\": \"create_image\", \"attempts\": [1]}")
            }
        }
        if let value = settings["instances"] {
            if let count = Self.wholeNumber(value, field: "instances", minimum: 0, problem) {
                if count <= 100 { instances = count } else { problem("instances", "must be at most 100, got \(count)") }
            }
        }
        if let value = settings["unreachableInstances"] {
            if let count = Self.wholeNumber(value, field: "unreachableInstances", minimum: 0, problem) {
                if count <= 100 { unreachableInstances = count } else { problem("unreachableInstances", "must be at most 100, got \(count)") }
            }
        }
        if let value = settings["sessionsPerInstance"] {
            if let count = Self.wholeNumber(value, field: "sessionsPerInstance", minimum: 0, problem) {
                if count <= 1000 { sessionsPerInstance = count } else { problem("sessionsPerInstance", "must be at most 1000, got \(count)") }
            }
        }
        if let value = settings["health"] {
            if let object = value.objectValue {
                for key in object.keys.sorted() where key != "failAfterBatch" {
                    problem("health.\(key)", "unknown setting; expected failAfterBatch")
                }
                if let batch = object["failAfterBatch"] {
                    if let count = Self.wholeNumber(batch, field: "health.failAfterBatch", minimum: 0, problem) { failAfterBatch = count }
                }
            } else {
                problem("health", "must be an object like {\"failAfterBatch\": 1}")
            }
        }
        if let value = settings["drainMs"] {
            if let ms = Self.milliseconds(value, field: "drainMs", maximum: Self.maximumPollIntervalMs, problem) { drain = .milliseconds(ms) }
        }
        if !problems.isEmpty { throw SimulatedSettingsError(problems: problems) }
    }

    /// The settings as JSON, the inverse of ``init(settings:)``: what to put in an
    /// environment's `target.settings`.
    public var settings: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if stepDuration != .zero { result["stepDurationMs"] = .number(Self.ms(stepDuration)) }
        if pollInterval != .seconds(1) { result["pollIntervalMs"] = .number(Self.ms(pollInterval)) }
        if !durations.isEmpty {
            result["durations"] = .object(Dictionary(uniqueKeysWithValues: durations.map { ($0.key.rawValue, .number(Self.ms($0.value))) }))
        }
        if !polls.isEmpty {
            result["polls"] = .object(Dictionary(uniqueKeysWithValues: polls.map { ($0.key.rawValue, .number(Double($0.value))) }))
        }
        if instances != 2 { result["instances"] = .number(Double(instances)) }
        if unreachableInstances != 0 { result["unreachableInstances"] = .number(Double(unreachableInstances)) }
        if sessionsPerInstance != 0 { result["sessionsPerInstance"] = .number(Double(sessionsPerInstance)) }
        if drain != .zero { result["drainMs"] = .number(Self.ms(drain)) }
        if let failAfterBatch { result["health"] = .object(["failAfterBatch": .number(Double(failAfterBatch))]) }
        if !failures.isEmpty {
            result["failures"] = .array(
                failures.map { failure in
                    var object: [String: JSONValue] = ["step": .string(failure.step.rawValue), "transient": .bool(failure.transient)]
                    switch failure.attempts {
                    case .all: object["attempts"] = "all"
                    case .only(let attempts): object["attempts"] = .array(attempts.sorted().map { .number(Double($0)) })
                    }
                    if let message = failure.message { object["message"] = .string(message) }
                    return .object(object)
                })
        }
        return result
    }

    /// How long a run of `step` holds the worker.
    public func duration(of step: StepName) -> Duration { durations[step] ?? stepDuration }

    /// How many times `step` answers "in progress" before it completes.
    public func pollCount(of step: StepName) -> Int { polls[step] ?? 0 }

    /// The failure injected into `step` on `attempt`, if any.
    public func failure(of step: StepName, attempt: Int) -> Failure? {
        failures.first { $0.step == step && $0.attempts.contains(attempt) }
    }

    // MARK: Parsing

    private typealias Report = (String, String) -> Void

    private static func ms(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    private static func milliseconds(_ value: JSONValue, field: String, maximum: Double, _ problem: Report) -> Double? {
        guard let number = value.doubleValue, number.isFinite else {
            problem(field, "must be a number of milliseconds")
            return nil
        }
        guard number >= 0, number <= maximum else {
            problem(field, "must be from 0 to \(Int(maximum)) milliseconds, got \(format(number))")
            return nil
        }
        return number
    }

    private static func wholeNumber(_ value: JSONValue, field: String, minimum: Int, _ problem: Report) -> Int? {
        guard let number = value.doubleValue, number.isFinite, number == number.rounded(), abs(number) < 1e9 else {
            problem(field, "must be a whole number")
            return nil
        }
        guard Int(number) >= minimum else {
            problem(field, "must be at least \(minimum), got \(format(number))")
            return nil
        }
        return Int(number)
    }

    /// The entries of an object keyed by step name, reporting unknown steps.
    private static func stepObject(_ value: JSONValue, field: String, _ problem: Report) -> [(StepName, JSONValue)] {
        guard let object = value.objectValue else {
            problem(field, "must be an object from step name to value, like {\"create_image\": 2000}")
            return []
        }
        var result: [(StepName, JSONValue)] = []
        for key in object.keys.sorted() {
            guard let step = StepName(rawValue: key) else {
                problem("\(field).\(key)", "unknown step; the steps are \(stepNames)")
                continue
            }
            result.append((step, object[key]!))
        }
        return result
    }

    private static func failure(_ value: JSONValue, field: String, _ problem: Report) -> Failure? {
        guard let object = value.objectValue else {
            problem(field, "must be an object like {\"step\": \"create_image\", \"attempts\": [1]}")
            return nil
        }
        var valid = true
        func fail(_ key: String, _ message: String) {
            problem("\(field).\(key)", message)
            valid = false
        }
        for key in object.keys.sorted() where !["step", "attempts", "transient", "message"].contains(key) {
            fail(key, "unknown key; a failure has step, attempts, transient and message")
        }
        var step: StepName?
        switch object["step"] {
        case .none: fail("step", "is required")
        case .some(let value):
            step = value.stringValue.flatMap(StepName.init(rawValue:))
            if step == nil { fail("step", "must be one of \(stepNames)") }
        }
        var attempts = Failure.Attempts.all
        if let value = object["attempts"] {
            if value.stringValue == "all" {
                attempts = .all
            } else if let list = value.arrayValue, !list.isEmpty {
                var numbers: Set<Int> = []
                for (index, entry) in list.enumerated() {
                    if let number = wholeNumber(entry, field: "\(field).attempts[\(index)]", minimum: 1, problem) {
                        numbers.insert(number)
                    } else {
                        valid = false
                    }
                }
                attempts = .only(numbers)
            } else {
                fail("attempts", "must be \"all\" or a non-empty array of attempt numbers (from 1)")
            }
        }
        var transient = true
        if let value = object["transient"] {
            if let flag = value.boolValue { transient = flag } else { fail("transient", "must be true or false") }
        }
        var message: String?
        if let value = object["message"] {
            if let text = value.stringValue, !text.isEmpty { message = text } else { fail("message", "must be a non-empty string") }
        }
        guard valid, let step else { return nil }
        return Failure(step: step, attempts: attempts, transient: transient, message: message)
    }

    private static var stepNames: String { StepName.allCases.map(\.rawValue).joined(separator: ", ") }

    private static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// What is wrong with a `simulated` target's settings: every problem, each with the field
/// it concerns (`durations.create_image`, `failures[0].attempts`).
public struct SimulatedSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem: the setting's field and what is wrong with it.
    public typealias Problem = SettingsProblem

    /// Every problem found, in the order they were found.
    public var problems: [Problem]

    /// Creates the error from the problems found.
    public init(problems: [Problem]) { self.problems = problems }

    /// `invalid simulated provider settings: ` followed by the problems, separated by `; `.
    public var description: String {
        "invalid simulated provider settings: " + problems.map(\.description).joined(separator: "; ")
    }
}
