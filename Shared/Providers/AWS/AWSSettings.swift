import HangarContracts

/// The settings of the `aws` provider: an environment's `target.settings` when its provider is
/// `aws`. Credentials and the endpoint never come from here: they are the worker's (see the
/// `HangarAWSProvider` module). Unknown keys are an error.
///
/// | key | JSON | default | what |
/// |---|---|---|---|
/// | `region` | string | required | e.g. `eu-west-1` |
/// | `preparationInstanceId` | string `i-…` | required | the preparation server (an EC2 instance) |
/// | `launchTemplateId` or `launchTemplateName` | string | one required | the models' launch template |
/// | `autoScalingGroupName` | string | required | the instance group |
/// | `keepModelVersions` | whole number 2…100 | `5` | template versions kept (newest first, always the main and backup ones) |
/// | `replacement` | `"auto"`, `"instanceRefresh"`, `"rolling"` | `"auto"` | auto = instance refresh, rolling where it is unavailable |
/// | `minHealthyPercentage` | whole number 0…100 | `90` | capacity kept in service while replacing |
/// | `warmupSeconds` | whole number 0…3600 | `300` | instance warm-up of the refresh; a rolling batch waits that long after its replacements are healthy |
/// | `skipMatching` | bool | `true` | leave instances already on the new image alone |
/// | `drainSeconds` | whole number 0…86400 | `600` | keep users connected: how long a batch is left to drain before it is replaced |
/// | `replaceTimeoutMinutes` | whole number 1…1440 | `60` | replacing longer fails the step (and returns the group to the backup model) |
/// | `checkAfterSeconds` | number 0.1…3600 | `15` | how long to wait between checks on the cloud |
/// | `rebootForImage` | bool | `false` | let `CreateImage` reboot a running preparation server (consistent file systems) |
/// | `supportServerTag` | string `Key` or `Key=Value` | none | how the environment's support servers are tagged |
/// | `platform` | `"linux"`, `"windows"` | `"linux"` | the instances' platform, which picks the Run Command defaults below |
/// | `runCommandDocument` | string | `AWS-RunShellScript` (linux), `AWS-RunPowerShellScript` (windows) | the Systems Manager document that runs the commands below on instances |
/// | `noticeCommand` | string with `{text}` | `wall {text}` (linux), `msg * {text}` (windows) | requestReconnection: shows the request to the users of an instance; `{text}` becomes the request, quoted for the platform's shell |
/// | `sessionsCommand` | string | ends every login session (`loginctl terminate-session` on linux, `logoff` on windows) | terminateSessions: ends the users' sessions on an instance |
/// | `runCommandTimeoutSeconds` | whole number 30…3600 | `120` | how long a command may take on an instance before it counts as failed |
public struct AWSSettings: Sendable, Equatable {
    /// How `replace_instances` replaces the group's instances (`replacement`). `auto`: an instance refresh, or rolling
    /// batches when the endpoint does not implement refreshes. `instanceRefresh`: an instance refresh only; the step fails
    /// where it is unavailable. `rolling`: always rolling batches. The keep users connected mode always rolls.
    public enum Replacement: String, Sendable, CaseIterable { case auto, instanceRefresh, rolling }

    /// Every key `aws` settings may have; any other key is a problem.
    public static let keys = [
        "region", "preparationInstanceId", "launchTemplateId", "launchTemplateName", "autoScalingGroupName", "keepModelVersions",
        "replacement", "minHealthyPercentage", "warmupSeconds", "skipMatching", "drainSeconds", "replaceTimeoutMinutes",
        "checkAfterSeconds", "rebootForImage", "supportServerTag", "platform", "runCommandDocument", "noticeCommand",
        "sessionsCommand", "runCommandTimeoutSeconds",
    ]

    /// The instances' platform, for the commands run on them.
    public enum Platform: String, Sendable, CaseIterable { case linux, windows }

    /// The region of the environment's resources (`region`, e.g. `eu-west-1`); the AWS clients are made for it.
    public var region = ""
    /// The EC2 instance id (`i-…`) of the preparation server, which images are made from (`preparationInstanceId`).
    public var preparationInstanceId = ""
    /// The id of the launch template whose versions are the models (`launchTemplateId`); `nil` when given by name.
    public var launchTemplateId: String?
    /// The name of that launch template (`launchTemplateName`); `nil` when given by id.
    public var launchTemplateName: String?
    /// The name of the Auto Scaling group that is the environment's instance group (`autoScalingGroupName`).
    public var autoScalingGroupName = ""
    /// How many launch template versions `create_models` keeps: the newest ones, always including the main and backup
    /// versions (`keepModelVersions`, 2…100).
    public var keepModelVersions = 5
    /// How `replace_instances` replaces the instances (`replacement`).
    public var replacement = Replacement.auto
    /// The share of the desired capacity, in percent, kept in service while replacing (`minHealthyPercentage`, 0…100):
    /// the refresh's minimum healthy percentage, and what sets the size of a rolling batch.
    public var minHealthyPercentage = 90
    /// A new instance's warm-up in seconds (`warmupSeconds`, 0…3600): the refresh's instance warm-up; a rolling batch
    /// waits that long after its replacements are healthy.
    public var warmupSeconds = 300
    /// Whether instances already on the new image are left alone (`skipMatching`). When false, a rolling replacement
    /// replaces every instance the group had when the step began.
    public var skipMatching = true
    /// In the keep users connected mode, the longest a rolling batch is left to drain before it is replaced, in seconds
    /// (`drainSeconds`, 0…86400).
    public var drainSeconds = 600
    /// How many minutes `replace_instances` may take before it returns the group to the backup model and fails
    /// (`replaceTimeoutMinutes`, 1…1440).
    public var replaceTimeoutMinutes = 60
    /// How long to wait between checks on the cloud: the `checkAfter` of in-progress answers (`checkAfterSeconds`, 0.1…3600).
    public var checkAfter: Duration = .seconds(15)
    /// Whether `CreateImage` may reboot a running preparation server for consistent file systems (`rebootForImage`);
    /// false sends `NoReboot`.
    public var rebootForImage = false
    /// The support servers' tag key and, if given, value.
    public var supportServerTag: (key: String, value: String?)?
    /// The instances' platform (`platform`); it picks the default Run Command document and commands.
    public var platform = Platform.linux
    /// The document that runs commands on instances; `nil`: the platform's default.
    public var runCommandDocumentSetting: String?
    /// The reconnection request's command template, with `{text}`; `nil`: the platform's default.
    public var noticeCommandSetting: String?
    /// The command that ends the users' sessions; `nil`: the platform's default.
    public var sessionsCommandSetting: String?
    /// How many seconds a Run Command command may take on an instance before it counts as failed
    /// (`runCommandTimeoutSeconds`, 30…3600); a step waits that long for the instances' answers.
    public var runCommandTimeoutSeconds = 120

    /// The Systems Manager document that runs commands on instances.
    public var runCommandDocument: String {
        runCommandDocumentSetting ?? (platform == .windows ? "AWS-RunPowerShellScript" : "AWS-RunShellScript")
    }

    /// The command that shows `text` to the users of an instance, `text` quoted for the
    /// platform's shell (POSIX sh or PowerShell single quotes), its line breaks made spaces.
    public func noticeCommand(text: String) -> String {
        let line = text.map { $0.isNewline ? " " : String($0) }.joined()
        let quoted: String
        switch platform {
        case .linux:
            quoted = "'" + line.replacingOccurrences(of: "'", with: "'\\''") + "'"
        case .windows:
            // PowerShell ends a single-quoted string at any of its single quote characters.
            let ascii = line.map { "\u{2018}\u{2019}\u{201A}\u{201B}".contains($0) ? "'" : String($0) }.joined()
            quoted = "'" + ascii.replacingOccurrences(of: "'", with: "''") + "'"
        }
        let template = noticeCommandSetting ?? (platform == .windows ? "msg * {text}" : "wall {text}")
        return template.replacingOccurrences(of: "{text}", with: quoted)
    }

    /// The command that ends every user session on an instance.
    public var sessionsCommand: String {
        if let sessionsCommandSetting { return sessionsCommandSetting }
        switch platform {
        case .linux:
            return "loginctl list-sessions --no-legend | awk '{print $1}' | xargs -r -n1 loginctl terminate-session"
        case .windows:
            return "quser 2>$null | Select-Object -Skip 1 | ForEach-Object { $id = ($_.Trim() -split '\\s+' | Where-Object { $_ -match '^\\d+$' } | "
                + "Select-Object -First 1); if ($id) { logoff $id } }"
        }
    }

    /// Compares every setting; written out because `supportServerTag`, a tuple, cannot be compared automatically.
    public static func == (a: AWSSettings, b: AWSSettings) -> Bool {
        a.region == b.region && a.preparationInstanceId == b.preparationInstanceId && a.launchTemplateId == b.launchTemplateId
            && a.launchTemplateName == b.launchTemplateName && a.autoScalingGroupName == b.autoScalingGroupName
            && a.keepModelVersions == b.keepModelVersions && a.replacement == b.replacement
            && a.minHealthyPercentage == b.minHealthyPercentage && a.warmupSeconds == b.warmupSeconds && a.skipMatching == b.skipMatching
            && a.drainSeconds == b.drainSeconds && a.replaceTimeoutMinutes == b.replaceTimeoutMinutes && a.checkAfter == b.checkAfter
            && a.rebootForImage == b.rebootForImage && a.supportServerTag?.key == b.supportServerTag?.key
            && a.supportServerTag?.value == b.supportServerTag?.value && a.platform == b.platform
            && a.runCommandDocumentSetting == b.runCommandDocumentSetting && a.noticeCommandSetting == b.noticeCommandSetting
            && a.sessionsCommandSetting == b.sessionsCommandSetting && a.runCommandTimeoutSeconds == b.runCommandTimeoutSeconds
    }

    /// Reads and validates `settings`; throws every problem found at once, each naming its field.
    public init(settings: [String: JSONValue]) throws(AWSSettingsError) {
        var problems: [AWSSettingsError.Problem] = []
        func problem(_ field: String, _ message: String) { problems.append(.init(field: field, message: message)) }
        func string(_ key: String, required: Bool) -> String? {
            switch settings[key] {
            case nil: if required { problem(key, "is required") }
            case .string(let value)? where !value.trimmingCharacters(in: .whitespaces).isEmpty && value.count <= 255: return value
            default: problem(key, "must be a non-empty string of at most 255 characters")
            }
            return nil
        }
        func whole(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = settings[key] else { return nil }
            if let number = value.doubleValue, let whole = Int(exactly: number), range.contains(whole) { return whole }
            problem(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        func bool(_ key: String) -> Bool? {
            guard let value = settings[key] else { return nil }
            if let flag = value.boolValue { return flag }
            problem(key, "must be true or false")
            return nil
        }

        for key in settings.keys.sorted() where !Self.keys.contains(key) {
            problem(key, "unknown setting; the aws provider understands \(Self.keys.joined(separator: ", "))")
        }
        region = string("region", required: true) ?? ""
        if !region.isEmpty, !region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) {
            problem("region", "must look like eu-west-1")
        }
        preparationInstanceId = string("preparationInstanceId", required: true) ?? ""
        if !preparationInstanceId.isEmpty, !preparationInstanceId.hasPrefix("i-") {
            problem("preparationInstanceId", "must be an EC2 instance id (i-…)")
        }
        launchTemplateId = string("launchTemplateId", required: false)
        launchTemplateName = string("launchTemplateName", required: false)
        if settings["launchTemplateId"] == nil, settings["launchTemplateName"] == nil {
            problem("launchTemplateId", "launchTemplateId or launchTemplateName is required")
        } else if settings["launchTemplateId"] != nil, settings["launchTemplateName"] != nil {
            problem("launchTemplateName", "give launchTemplateId or launchTemplateName, not both")
        }
        autoScalingGroupName = string("autoScalingGroupName", required: true) ?? ""
        keepModelVersions = whole("keepModelVersions", 2...100) ?? keepModelVersions
        switch settings["replacement"] {
        case nil: break
        case .string(let value)? where Replacement(rawValue: value) != nil: replacement = Replacement(rawValue: value)!
        default: problem("replacement", "must be one of \(Replacement.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        minHealthyPercentage = whole("minHealthyPercentage", 0...100) ?? minHealthyPercentage
        warmupSeconds = whole("warmupSeconds", 0...3600) ?? warmupSeconds
        skipMatching = bool("skipMatching") ?? skipMatching
        drainSeconds = whole("drainSeconds", 0...86400) ?? drainSeconds
        replaceTimeoutMinutes = whole("replaceTimeoutMinutes", 1...1440) ?? replaceTimeoutMinutes
        if let value = settings["checkAfterSeconds"] {
            if let seconds = value.doubleValue, seconds >= 0.1, seconds <= 3600 {
                checkAfter = .milliseconds(Int((seconds * 1000).rounded()))
            } else {
                problem("checkAfterSeconds", "must be a number of seconds from 0.1 to 3600")
            }
        }
        rebootForImage = bool("rebootForImage") ?? rebootForImage
        if let tag = string("supportServerTag", required: false) {
            // Empty parts are kept: "=" splits into two empty ones (the default drops both, and
            // reading the key trapped: the API fuzzer found it).
            let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if let key = parts.first, !key.trimmingCharacters(in: .whitespaces).isEmpty {
                supportServerTag = (key, parts.count > 1 ? parts[1] : nil)
            } else {
                problem("supportServerTag", "must be Key or Key=Value, with a key before the '='")
            }
        }
        switch settings["platform"] {
        case nil: break
        case .string(let value)? where Platform(rawValue: value) != nil: platform = Platform(rawValue: value)!
        default: problem("platform", "must be one of \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        runCommandDocumentSetting = string("runCommandDocument", required: false)
        if let command = string("noticeCommand", required: false) {
            if command.contains("{text}") {
                noticeCommandSetting = command
            } else {
                problem("noticeCommand", "must contain {text}, where the request goes")
            }
        }
        sessionsCommandSetting = string("sessionsCommand", required: false)
        runCommandTimeoutSeconds = whole("runCommandTimeoutSeconds", 30...3600) ?? runCommandTimeoutSeconds
        if !problems.isEmpty { throw AWSSettingsError(problems: problems) }
    }
}

/// What is wrong with an environment's `aws` settings, field by field.
public struct AWSSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem: the setting's field and what is wrong with it.
    public typealias Problem = SettingsProblem

    /// Every problem found, in the order they were found.
    public var problems: [Problem]

    /// Creates the error from the problems found.
    public init(problems: [Problem]) { self.problems = problems }

    /// `invalid aws provider settings: ` followed by the problems, separated by `; `.
    public var description: String {
        "invalid aws provider settings: " + problems.map(\.description).joined(separator: "; ")
    }
}
