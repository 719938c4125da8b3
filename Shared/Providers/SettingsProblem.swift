/// One problem with a provider's settings: the setting's path (`autoScalingGroupName`,
/// `failures[1].step`) and what is wrong with it. Intake names it as `target.<field>`.
public struct SettingsProblem: Sendable, Equatable, CustomStringConvertible {
    /// The path of the setting inside the target's settings, e.g. `failures[1].step`.
    public var field: String
    /// What is wrong with the setting, e.g. `is required`.
    public var message: String

    /// Creates a problem with the setting at `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `<field>: <message>`.
    public var description: String { "\(field): \(message)" }
}
