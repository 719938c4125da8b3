/// Values for an `IN (…)` list whose length varies from one use to the next.
///
/// Each length is another SQL text, and SQLite prepares a text it has not kept (and keeps it
/// in place of a steady one). Padded to a power of two by repeating the last value, a list
/// takes one of a few shapes (1, 2, 4, 8… values), whose statements the connection keeps; `IN`
/// ignores the repeats.
public enum InList {
    /// `values`, padded to the next power of two with copies of the last one.
    public static func padded<Value>(_ values: [Value]) -> [Value] {
        guard let last = values.last, values.count > 2 else { return values }
        var size = 4
        while size < values.count { size <<= 1 }
        return values + Array(repeating: last, count: size - values.count)
    }
}
