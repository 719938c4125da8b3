import HangarContracts

/// The providers a worker knows, by the name an environment's ``ProviderTarget`` uses.
/// `simulated` is always there (unless replaced under the same name).
public struct ProviderRegistry: Sendable {
    private var providers: [String: any Provider]

    /// A registry with `simulated` and `providers` (which win over it on a name clash).
    public init(_ providers: [String: any Provider] = [:]) {
        self.providers = [SimulatedProvider.name: SimulatedProvider()]
        self.providers.merge(providers) { _, new in new }
    }

    /// Adds `provider` under `name`, replacing any provider of that name.
    public mutating func register(_ provider: any Provider, as name: String) {
        providers[name] = provider
    }

    /// The known provider names, sorted.
    public var names: [String] { providers.keys.sorted() }

    /// The provider called `name`.
    public func provider(named name: String) throws(UnknownProviderError) -> any Provider {
        guard let provider = providers[name] else { throw UnknownProviderError(name: name, known: names) }
        return provider
    }

    /// Checks that `target` names a known provider and that its settings suit it.
    public func validate(_ target: ProviderTarget) throws {
        try provider(named: target.provider).validate(settings: target.settings)
    }
}

/// An environment names a provider that this build does not have.
public struct UnknownProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider name the environment's target gives.
    public var name: String
    /// The provider names this worker knows, sorted.
    public var known: [String]

    /// Creates the error for the unknown `name`, listing the `known` names.
    public init(name: String, known: [String]) {
        self.name = name
        self.known = known
    }

    /// Names the unknown provider and lists the known ones; a step for it fails permanently with this text.
    public var description: String {
        "unknown provider '\(name)'; this worker knows: \(known.joined(separator: ", "))"
    }
}
