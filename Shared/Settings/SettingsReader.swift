import Configuration
import Foundation

/// Reads settings from the catalog (``Setting/all``) through swift-configuration: the process
/// environment by default (`EnvironmentVariablesProvider`), or the variables a test gives.
/// Each accessor takes a ``Setting``, so nothing outside the catalog is read, and every bad
/// value is a ``SettingError`` naming the variable and what it accepts.
public struct SettingsReader: Sendable {
    private let reader: ConfigReader
    /// The variables given, when a test gave them; `nil` for the process environment.
    private let given: [String: String]?

    /// Reads the process environment; secret settings are redacted in swift-configuration's own output.
    public init() {
        self.reader = ConfigReader(provider: EnvironmentVariablesProvider(secretsSpecifier: Self.secrets))
        self.given = nil
    }

    /// Reads `variables` instead of the process environment.
    public init(variables: [String: String]) {
        self.reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables, secretsSpecifier: Self.secrets))
        self.given = variables
    }

    private static let secrets: SecretsSpecifier<String, String> = .specific(Set(Setting.all.filter(\.isSecret).map(\.name)))

    /// The swift-configuration key of a setting: `HANGAR_HTTP_PORT` is `hangar.http.port`,
    /// which the environment provider reads as `HANGAR_HTTP_PORT`.
    static func key(_ setting: Setting) -> ConfigKey {
        ConfigKey(setting.name.lowercased().split(separator: "_").map(String.init))
    }

    /// The setting's value; `nil` when it is unset or empty.
    public func string(_ setting: Setting) -> String? {
        precondition(Setting.catalogued(setting), "\(setting.name) is not in the settings catalog (Setting.all)")
        let value = reader.string(forKey: Self.key(setting), isSecret: setting.isSecret)
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The setting's value, or `value` when it is unset or empty.
    public func string(_ setting: Setting, default value: String) -> String {
        string(setting) ?? value
    }

    /// The setting's value; throws when it is unset or empty, saying what it must be.
    public func required(_ setting: Setting, accepts accepted: String) throws(SettingError) -> String {
        guard let value = string(setting) else { throw SettingError(setting.name, accepts: accepted + " (it is required)") }
        return value
    }

    /// The setting as a whole number in `range`, or `value` when unset.
    public func int(_ setting: Setting, default value: Int, range: ClosedRange<Int> = 0...Int.max) throws(SettingError) -> Int {
        guard let text = string(setting) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw SettingError(setting, accepts: "a whole number in \(range.lowerBound)...\(range.upperBound)", got: text)
        }
        return number
    }

    /// The setting as milliseconds (0…2³¹−1), or `value` when unset.
    public func milliseconds(_ setting: Setting, default value: Duration) throws(SettingError) -> Duration {
        guard string(setting) != nil else { return value }
        return .milliseconds(try int(setting, default: 0, range: 0...Int(Int32.max)))
    }

    /// The setting as one of `choices` (compared in lower case), or `value` when unset.
    public func choice<T>(_ setting: Setting, _ choices: [(String, T)], default value: T) throws(SettingError) -> T {
        guard let text = string(setting) else { return value }
        guard let chosen = choices.first(where: { $0.0 == text.lowercased() }) else {
            throw SettingError(setting, accepts: "one of " + choices.map(\.0).joined(separator: ", "), got: text)
        }
        return chosen.1
    }

    /// The variables a library reads by name under its own conventions (the AWS SDKs', swift-otel's
    /// `OTEL_*`): the given ones, else the process environment.
    public var environment: [String: String] { given ?? ProcessInfo.processInfo.environment }
}

extension Setting {
    static let names = Set(all.map(\.name))

    /// Whether `setting` is in the catalog.
    static func catalogued(_ setting: Setting) -> Bool { names.contains(setting.name) }
}
