/// Builders for the Query API's flattened parameters (`Name.1`, `Filter.1.Value.1`…).
public enum QueryParameters {
    /// `prefix.1 = values[0]`, `prefix.2 = values[1]`… (EC2 lists; Auto Scaling uses `prefix.member`).
    public static func list(_ prefix: String, _ values: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for (index, value) in values.enumerated() { result["\(prefix).\(index + 1)"] = value }
        return result
    }

    /// EC2 filters: `Filter.N.Name` and `Filter.N.Value.M`.
    public static func filters(_ filters: [(name: String, values: [String])]) -> [String: String] {
        var result: [String: String] = [:]
        for (index, filter) in filters.enumerated() {
            result["Filter.\(index + 1).Name"] = filter.name
            result.merge(list("Filter.\(index + 1).Value", filter.values)) { _, new in new }
        }
        return result
    }

    /// Tags as `prefix.N.Key` and `prefix.N.Value`, sorted by key.
    public static func tags(_ prefix: String, _ tags: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (index, tag) in tags.sorted(by: { $0.key < $1.key }).enumerated() {
            result["\(prefix).\(index + 1).Key"] = tag.key
            result["\(prefix).\(index + 1).Value"] = tag.value
        }
        return result
    }
}

extension Dictionary where Key == String, Value == String {
    /// `self` with `other`'s entries added (`other` wins).
    func adding(_ other: [String: String]) -> [String: String] { merging(other) { _, new in new } }
}
