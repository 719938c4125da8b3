import HangarContracts

// The generated operation types are `Hashable`, so the types openapi-generator-config.yaml
// names for response schemas must be too. Each hashes its id, which is consistent with its
// `Equatable` (equal values have equal ids) without making every nested contract `Hashable`.

extension EnvironmentResource: Hashable {
    /// Hashes `id`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

extension DeploymentDetails: Hashable {
    /// Hashes `id`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

extension ServerInfo: Hashable {
    /// Hashes `id`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

extension ServerConnection: Hashable {
    /// Hashes `serverId`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(serverId) }
}

extension ServerShutdownEvent: Hashable {
    /// Hashes `serverId`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(serverId) }
}

extension WorkerSummary: Hashable {
    /// Hashes `name`, which equal values share.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension QueueInfo: Hashable {
    /// Hashes `name`, which equal values share.
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension CostReport: Hashable {
    /// Hashes `lines.count`, which equal values share.
    func hash(into hasher: inout Hasher) { hasher.combine(lines.count) }
}
