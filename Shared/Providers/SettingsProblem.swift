/// One problem with a provider's settings: the setting's path (`autoScalingGroupName`,
/// `failures[1].step`) and what is wrong with it. Intake names it as `target.<field>`.
public struct SettingsProblem: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
