import HangarContracts

/// Checks of single request fields shared by the validators of nested objects.
enum RequestFields {
    /// A whole number in `range` at `object[key]`, reported as `field.key`: `.none` when
    /// absent or invalid (the problem reported through `fail`), `.some(nil)` for `null`.
    static func wholeNumber(
        _ object: [String: JSONValue], _ key: String, field: String, range: ClosedRange<Int>, fail: (String, String) -> Void
    ) -> Int?? {
        switch object[key] {
        case nil: return .none
        case .null?: return .some(nil)
        case .number(let number)? where Int(exactly: number).map(range.contains) == true: return .some(Int(exactly: number))
        default:
            fail("\(field).\(key)", "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return .none
        }
    }
}
