import Foundation

/// The readers of the contracts' parts that more than one hand-made message reader needs
/// (``StepMessagesJSON``, ``DeploymentEventJSON``): each answers `nil` on anything it does
/// not accept, as ``JSONReader`` does.
extension JSONReader {
    /// An optional member: `null` leaves `value` nil (as `decodeIfPresent` does); anything
    /// else must read with `read`. `false` to give up.
    mutating func optional<T>(_ value: inout T?, _ read: (inout JSONReader) -> T?) -> Bool {
        if null() { return true }
        value = read(&self)
        return value != nil
    }

    /// An id, in either case (as ``LowercaseID`` reads it).
    mutating func id() -> UUID? { string().flatMap(UUID.init(parsing:)) }

    /// A date as ``HangarJSON/parseDate(_:)`` reads it.
    mutating func date() -> Date? { string().flatMap(HangarJSON.parseDate) }

    /// An object of strings.
    mutating func strings() -> [String: String]? {
        var members: [String: String] = [:]
        let read: Void? = object { reader, key in
            guard members[key] == nil, let value = reader.string() else { return false }
            members[key] = value
            return true
        }
        return read.map { members }
    }

    /// An array of strings.
    mutating func stringList() -> [String]? {
        var items: [String] = []
        let read: Void? = array { reader in
            guard let item = reader.string() else { return false }
            items.append(item)
            return true
        }
        return read.map { items }
    }

    /// An array of raw values of `T` (statuses, step names): an unknown one gives up.
    mutating func rawValues<T: RawRepresentable>(_ type: T.Type) -> [T]? where T.RawValue == String {
        var items: [T] = []
        let read: Void? = array { reader in
            guard let item = reader.string().flatMap(T.init(rawValue:)) else { return false }
            items.append(item)
            return true
        }
        return read.map { items }
    }

    mutating func target() -> ProviderTarget? {
        var seen = MemberNames()
        var provider: String?
        var settings: [String: JSONValue]?
        var environmentId: UUID?
        let read: Void? = object { reader, key in
            guard seen.insert(key) else { return false }
            switch key {
            case "provider": provider = reader.string()
            case "settings":
                guard case .object(let members) = reader.value() else { return false }
                settings = members
            case "environmentId": return reader.optional(&environmentId) { $0.id() }
            default: return reader.skipValue() != nil
            }
            return true
        }
        guard read != nil, let provider, let settings else { return nil }
        return ProviderTarget(provider: provider, settings: settings, environmentId: environmentId)
    }

    mutating func options() -> DeploymentOptions? {
        var seen = MemberNames()
        var lock: Bool?
        var stop: Bool?
        var terminate: Bool?
        let read: Void? = object { reader, key in
            guard seen.insert(key) else { return false }
            switch key {
            case "lockInstances": lock = reader.bool()
            case "stopPreparationServer": stop = reader.bool()
            case "terminateSessions": terminate = reader.bool()
            default: return reader.skipValue() != nil
            }
            return true
        }
        guard read != nil, let lock, let stop, let terminate else { return nil }
        return DeploymentOptions(lockInstances: lock, stopPreparationServer: stop, terminateSessions: terminate)
    }

    mutating func detailLines() -> [StepEvent.DetailLine]? {
        var lines: [StepEvent.DetailLine] = []
        let read: Void? = array { reader in
            var seen = MemberNames()
            var at: Date?
            var message: String?
            let line: Void? = reader.object { reader, key in
                guard seen.insert(key) else { return false }
                switch key {
                case "at": at = reader.date()
                case "message": message = reader.string()
                default: return reader.skipValue() != nil
                }
                return true
            }
            guard line != nil, let at, let message else { return false }
            lines.append(.init(at: at, message: message))
            return true
        }
        return read.map { lines }
    }

    /// A rare member read by `JSONDecoder` from its own bytes.
    mutating func decoded<T: Decodable>(_ type: T.Type) -> T? {
        guard let range = skipValue() else { return nil }
        return try? HangarJSON.decoder.decode(type, from: Data(slice(range)))
    }
}

/// The member names an object has shown so far, to refuse a name given twice (which
/// `JSONDecoder` is left to judge). A message's objects have a few short names, which a list
/// finds faster than a set hashes them; past 32 names (members this build does not know),
/// a set takes over, so that no body costs quadratic time.
struct MemberNames {
    private var names: [String] = []
    private var many: Set<String>?

    /// Records `name`; `false` when the object has shown it before.
    mutating func insert(_ name: String) -> Bool {
        if many != nil { return many!.insert(name).inserted }
        if names.contains(name) { return false }
        if names.count == 32 {
            many = Set(names)
            return many!.insert(name).inserted
        }
        if names.isEmpty { names.reserveCapacity(16) }
        names.append(name)
        return true
    }
}
