import Foundation
import HangarContracts

/// An environment's (or a deployment's) `approval` settings: whether a deployment must be
/// approved before it replaces the instances, who is emailed, whether the owner is refused as
/// approver, and how long it may wait.
public struct ApprovalSettings: Codable, Sendable, Equatable {
    /// Whether deployments must be approved. Always set on an environment; on a deployment
    /// request, `nil` leaves it to the environment.
    public var required: Bool?
    /// Who is emailed when a deployment waits (at most 20 addresses; none: nobody is emailed);
    /// any deployer may decide.
    public var approvers: [String]
    /// Whether a deployment's owner is refused as its approver.
    public var requireDifferentApprover: Bool
    /// How long a deployment waits before it is rejected (1 to 10080); `nil`: a day.
    public var expiresAfterMinutes: Int?

    /// Creates settings; by default none required.
    public init(required: Bool? = false, approvers: [String] = [], requireDifferentApprover: Bool = false, expiresAfterMinutes: Int? = nil) {
        self.required = required
        self.approvers = approvers
        self.requireDifferentApprover = requireDifferentApprover
        self.expiresAfterMinutes = expiresAfterMinutes
    }
}

/// Validation of `approval` objects, and the policy a deployment gets from its environment's
/// settings and its own.
enum ApprovalChoices {
    static let fields: Set<String> = ["required", "approvers", "requireDifferentApprover", "expiresAfterMinutes"]
    static let maxApprovers = 20

    /// Validates the `approval` object at `field` onto `current` (a field left out keeps its
    /// value); `.some(nil)` for `null`, `.none` when absent or invalid (reported through `fail`).
    static func validate(
        _ value: JSONValue?, field: String, current: ApprovalSettings?, fail: (String, String) -> Void
    ) -> ApprovalSettings?? {
        switch value {
        case nil: return .none
        case .null?: return .some(nil)
        case .object(let object)?:
            var result = current ?? ApprovalSettings()
            for key in object.keys.sorted() where !fields.contains(key) {
                fail("\(field).\(key)", "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
            }
            for key in ["required", "requireDifferentApprover"] {
                switch object[key] {
                case nil: break
                case .bool(let flag)?: if key == "required" { result.required = flag } else { result.requireDifferentApprover = flag }
                default: fail("\(field).\(key)", "must be true or false")
                }
            }
            switch object["approvers"] {
            case nil: break
            case .null?: result.approvers = []
            case .array(let items)?:
                if items.count > maxApprovers { fail("\(field).approvers", "at most \(maxApprovers) approvers") }
                var emails: [String] = []
                for (index, item) in items.enumerated() {
                    if let email = item.stringValue, DeploymentRequest.isEmail(email) {
                        if !emails.contains(email) { emails.append(email) }
                    } else {
                        fail("\(field).approvers[\(index)]", "is not a valid email address")
                    }
                }
                result.approvers = emails
            default: fail("\(field).approvers", "must be an array of email addresses")
            }
            if case .some(let minutes) = RequestFields.wholeNumber(
                object, "expiresAfterMinutes", field: field, range: 1...ApprovalPolicy.maxExpiresAfterMinutes, fail: fail)
            {
                result.expiresAfterMinutes = minutes
            }
            return .some(result)
        default:
            fail(field, "must be an object {required, approvers, requireDifferentApprover, expiresAfterMinutes}")
            return .none
        }
    }

    /// Refuses (422, naming the field) a deployment's `approval` that tries to waive what its
    /// environment requires.
    static func check(environment: ApprovalSettings?, deployment: ApprovalSettings?) throws {
        if environment?.required == true, deployment?.required == false {
            throw Problem.invalid([.init(field: "approval.required", message: "the environment requires approval; a deployment cannot waive it")])
        }
    }

    /// The policy a deployment runs under: its environment's settings, tightened by its own
    /// (a deployment may ask for approval, add approvers, refuse its owner as approver and set
    /// its own wait; it cannot waive what its environment requires). `nil`: no approval.
    static func policy(environment: ApprovalSettings?, deployment: ApprovalSettings?) -> ApprovalPolicy? {
        guard environment?.required == true || deployment?.required == true else { return nil }
        var approvers = environment?.approvers ?? []
        for email in deployment?.approvers ?? [] where !approvers.contains(email) { approvers.append(email) }
        return ApprovalPolicy(
            approvers: Array(approvers.prefix(maxApprovers)),
            requireDifferentApprover: environment?.requireDifferentApprover == true || deployment?.requireDifferentApprover == true,
            expiresAfterMinutes: deployment?.expiresAfterMinutes ?? environment?.expiresAfterMinutes ?? ApprovalPolicy.defaultExpiresAfterMinutes)
    }
}
