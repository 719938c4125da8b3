/// A setting that cannot be used: the one error type for every bad setting of every service.
/// It names the variable, what it accepts and, unless the setting is secret, the value found.
public struct SettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable (or, for a file a setting names, the variable and the file).
    public var variable: String
    /// What it accepts, for example `a whole number in 1...100` or `one of text, json`.
    public var accepted: String
    /// The value found; `nil` when it was missing or is secret.
    public var value: String?
    /// What is wrong with what the setting names (a file it points to), when the value itself is fine.
    public var problem: String?

    /// An error about `variable`, which accepts `accepted`; `value` is left out of the
    /// message when `nil` (missing or secret).
    public init(_ variable: String, accepts accepted: String, got value: String? = nil) {
        self.variable = variable
        self.accepted = accepted
        self.value = value
    }

    /// An error about `setting`; its value is shown unless the setting is secret.
    public init(_ setting: Setting, accepts accepted: String, got value: String?) {
        self.init(setting.name, accepts: accepted, got: setting.isSecret ? nil : value)
    }

    /// An error about what `variable` names (the file it points to, say): `problem` says what is wrong with it.
    public init(_ variable: String, problem: String) {
        self.variable = variable
        self.accepted = ""
        self.problem = problem
    }

    /// `HANGAR_X must be <accepted>; got '<value>'` (without the value when secret or missing),
    /// or `HANGAR_X: <problem>`.
    public var description: String {
        if let problem { return "\(variable): \(problem)" }
        if let value { return "\(variable) must be \(accepted); got '\(value)'" }
        return "\(variable) must be \(accepted)"
    }
}
