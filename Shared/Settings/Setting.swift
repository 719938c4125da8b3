/// One setting a Hangar executable reads: an environment variable, documented once here. The
/// catalog (``Setting/all``) is the only list: ``SettingsReader`` reads nothing that is not in
/// it, and `docs/configuration.md`'s table is generated from it.
public struct Setting: Sendable, Hashable {
    /// Who reads a setting.
    public enum Reader: String, Sendable, Hashable, CaseIterable {
        /// Every service (intake, scheduler, worker, recorder, notifier).
        case all
        /// `hangar-intake`.
        case intake
        /// `hangar-scheduler`.
        case scheduler
        /// `hangar-worker`.
        case worker
        /// `hangar-recorder`.
        case recorder
        /// `hangar-notifier`.
        case notifier
        /// The `hangar` command line.
        case cli
    }

    /// The environment variable, for example `HANGAR_SCHEDULER_MAX_ATTEMPTS`.
    public let name: String
    /// Who reads it.
    public let readers: [Reader]
    /// Its default, as the table shows it (`unset` when it has none and is optional).
    public let defaultValue: String
    /// What it does and what it accepts, for the table.
    public let summary: String
    /// Whether its value is a secret (a password, a token, a key, or a URL that may carry one):
    /// never printed, also not in an error about it.
    public let isSecret: Bool

    /// Declares a setting; the catalog (``Setting/all``) lists every one.
    public init(_ name: String, readers: [Reader], default defaultValue: String, secret: Bool = false, _ summary: String) {
        self.name = name
        self.readers = readers
        self.defaultValue = defaultValue
        self.summary = summary
        self.isSecret = secret
    }
}
