import Foundation
import HangarContracts

/// An environment's (or a deployment's) `replacement` settings: health-gated replacement of
/// the instances, batch by batch (``ReplacementPolicy``). Each field is optional: a
/// deployment's override its environment's, field by field, and the policy's defaults fill the rest.
public struct ReplacementSettings: Codable, Sendable, Equatable {
    /// The share of the group replaced per batch, in percent (1–100).
    public var batchPercent: Int?
    /// The share of the replaced instances that must be healthy after each batch, in percent (0–100).
    public var minHealthyPercent: Int?
    /// How long each batch runs before its health is judged, in seconds (0–3600).
    public var bakeSeconds: Int?
    /// What a failed gate does: `rollback` or `fail`.
    public var onFailure: ReplacementPolicy.OnFailure?
    /// CloudWatch alarm names that fail the gate (`aws`), at most 10.
    public var alarms: [String]?

    /// Creates settings; every field unset.
    public init(
        batchPercent: Int? = nil, minHealthyPercent: Int? = nil, bakeSeconds: Int? = nil, onFailure: ReplacementPolicy.OnFailure? = nil,
        alarms: [String]? = nil
    ) {
        self.batchPercent = batchPercent
        self.minHealthyPercent = minHealthyPercent
        self.bakeSeconds = bakeSeconds
        self.onFailure = onFailure
        self.alarms = alarms
    }
}

/// Validation of `replacement` objects, and the policy a deployment gets.
enum ReplacementChoices {
    static let fields: Set<String> = ["batchPercent", "minHealthyPercent", "bakeSeconds", "onFailure", "alarms"]

    /// Validates the `replacement` object at `field` onto `current` (a field left out keeps
    /// its value, `null` clears it); `.some(nil)` for `null`, `.none` when absent or invalid.
    static func validate(
        _ value: JSONValue?, field: String, current: ReplacementSettings?, fail: (String, String) -> Void
    ) -> ReplacementSettings?? {
        switch value {
        case nil: return .none
        case .null?: return .some(nil)
        case .object(let object)?:
            var result = current ?? ReplacementSettings()
            for key in object.keys.sorted() where !fields.contains(key) {
                fail("\(field).\(key)", "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
            }
            func integer(_ key: String, _ range: ClosedRange<Int>, _ apply: (Int?) -> Void) {
                if case .some(let value) = RequestFields.wholeNumber(object, key, field: field, range: range, fail: fail) { apply(value) }
            }
            integer("batchPercent", 1...100) { result.batchPercent = $0 }
            integer("minHealthyPercent", 0...100) { result.minHealthyPercent = $0 }
            integer("bakeSeconds", 0...3600) { result.bakeSeconds = $0 }
            switch object["onFailure"] {
            case nil: break
            case .null?: result.onFailure = nil
            case .string(let text)? where ReplacementPolicy.OnFailure(rawValue: text) != nil:
                result.onFailure = ReplacementPolicy.OnFailure(rawValue: text)
            default: fail("\(field).onFailure", "must be one of \(ReplacementPolicy.OnFailure.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            switch object["alarms"] {
            case nil: break
            case .null?: result.alarms = nil
            case .array(let items)?:
                if items.count > 10 { fail("\(field).alarms", "at most 10 alarm names") }
                var names: [String] = []
                for (index, item) in items.enumerated() {
                    // No C0 or C1 control character: the document's pattern, exactly.
                    if let name = item.stringValue, (1...255).contains(name.unicodeScalars.count),
                        !name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
                    {
                        names.append(name)
                    } else {
                        fail("\(field).alarms[\(index)]", "must be a CloudWatch alarm name (1 to 255 characters)")
                    }
                }
                result.alarms = names
            default: fail("\(field).alarms", "must be an array of CloudWatch alarm names")
            }
            return .some(result)
        default:
            fail(field, "must be an object {batchPercent, minHealthyPercent, bakeSeconds, onFailure, alarms}")
            return .none
        }
    }

    /// The policy a deployment runs under: its own settings over its environment's, field by
    /// field, over the policy's defaults. `nil` when neither sets any.
    static func policy(environment: ReplacementSettings?, deployment: ReplacementSettings?) -> ReplacementPolicy? {
        guard environment != nil || deployment != nil else { return nil }
        let defaults = ReplacementPolicy()
        return ReplacementPolicy(
            batchPercent: deployment?.batchPercent ?? environment?.batchPercent ?? defaults.batchPercent,
            minHealthyPercent: deployment?.minHealthyPercent ?? environment?.minHealthyPercent ?? defaults.minHealthyPercent,
            bakeSeconds: deployment?.bakeSeconds ?? environment?.bakeSeconds ?? defaults.bakeSeconds,
            onFailure: deployment?.onFailure ?? environment?.onFailure ?? defaults.onFailure,
            alarms: deployment?.alarms ?? environment?.alarms ?? defaults.alarms)
    }
}
