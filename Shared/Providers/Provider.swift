import HangarContracts

/// What the steps of a deployment act on: a cloud (`aws`) or a stand-in (`simulated`).
///
/// A provider runs one step, or checks on a step it started before, and answers with a
/// ``StepOutcome``. It must never block waiting on the cloud: when the cloud is still working
/// (an image pending, instances being replaced) it returns
/// ``StepOutcome/inProgress(continuation:checkAfter:detail:)`` and the scheduler dispatches
/// the command again when it is due, with that `continuation` and `poll` + 1.
///
/// Every step must be idempotent: delivery is at-least-once, so a step re-run after a worker
/// crash must find what it already made (an image with the deployment's tag, a model version
/// already created) instead of making it twice.
public protocol Provider: Sendable {
    /// Runs `command`'s step, or checks on it when `command.poll > 0`.
    ///
    /// - Parameters:
    ///   - command: the step, its attempt and poll, the target, the deployment's options and
    ///     what earlier steps produced (`command.outputs`).
    ///   - progress: reports one line of the step's details ("creating main model"); the
    ///     worker publishes it as a `step.progress` event before it returns.
    /// - Returns: how the step stands.
    /// - Throws: an unexpected error; the worker reports it as a transient failure. Errors that
    ///   trying again cannot fix should be returned as `.failed(error:transient: false)`.
    func execute(
        _ command: ExecuteStep,
        progress: @escaping @Sendable (String) async -> Void
    ) async throws -> StepOutcome

    /// Checks an environment's target settings for this provider, for example when the
    /// environment is created, so that mistakes show up before a deployment runs.
    /// The default accepts anything.
    func validate(settings: [String: JSONValue]) throws

    /// The environment's preparation server and support servers, then the instances of its
    /// instance group (role ``ServerRole/instance``), as the cloud sees them now.
    /// The default throws ``ProviderUnsupportedError``.
    func servers(of target: ProviderTarget) async throws -> [ServerInfo]

    /// Starts, stops or restarts the server `serverId` of the environment and answers how it
    /// stands afterwards (it may still be `pending` or `stopping`: this does not wait).
    /// The default throws ``ProviderUnsupportedError``.
    func perform(_ action: ServerAction, on serverId: String, of target: ProviderTarget) async throws -> ServerInfo

    /// Releases (frees what the environment runs: the instance group to zero, the preparation
    /// and support servers stopped, remembering what they were) or resumes a released
    /// environment (brings that back). Idempotent: releasing twice frees once. Answers what it
    /// did, one line each. The default throws ``ProviderUnsupportedError``.
    func perform(_ action: EnvironmentCloudAction, of target: ProviderTarget) async throws -> [String]
}

extension Provider {
    /// Accepts any settings: the default for providers with none to check.
    public func validate(settings: [String: JSONValue]) throws {}

    /// Throws ``ProviderUnsupportedError``: the default for providers that cannot list servers.
    public func servers(of target: ProviderTarget) async throws -> [ServerInfo] {
        throw ProviderUnsupportedError(provider: target.provider, operation: "listing servers")
    }

    /// Throws ``ProviderUnsupportedError``: the default for providers that cannot start, stop or restart servers.
    public func perform(_ action: ServerAction, on serverId: String, of target: ProviderTarget) async throws -> ServerInfo {
        throw ProviderUnsupportedError(provider: target.provider, operation: "\(action.rawValue) a server")
    }

    /// Throws ``ProviderUnsupportedError``: the default for providers that cannot release or resume an environment.
    public func perform(_ action: EnvironmentCloudAction, of target: ProviderTarget) async throws -> [String] {
        throw ProviderUnsupportedError(provider: target.provider, operation: "\(action.rawValue) an environment")
    }
}

/// A provider cannot do what was asked.
public struct ProviderUnsupportedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name of the provider that was asked, e.g. `aws`.
    public var provider: String
    /// What it was asked to do, as a phrase for ``description``, e.g. `listing servers`.
    public var operation: String

    /// Creates the error for `provider` and `operation`.
    public init(provider: String, operation: String) {
        self.provider = provider
        self.operation = operation
    }

    /// `provider '<name>' does not support <operation>`; the worker sends it back as an `unsupported` server reply.
    public var description: String { "provider '\(provider)' does not support \(operation)" }
}

/// How a step stands after a provider ran it.
public enum StepOutcome: Sendable, Equatable {
    /// Done; `outputs` are what it produced (image id, model versions…), passed on to the
    /// following steps.
    case succeeded(outputs: [String: String], detail: String?)
    /// Not applicable (for example the preparation server was not asked to stop).
    case skipped(reason: String)
    /// The cloud is still working: check again after `checkAfter`, handing `continuation`
    /// back in the command.
    case inProgress(continuation: JSONValue, checkAfter: Duration, detail: String?)
    /// It went wrong; `transient` says whether trying again may succeed.
    case failed(error: String, transient: Bool)
    /// A health gate stopped it for good (``ReplacementPolicy``): a permanent failure whose
    /// `outputs` say what the gate left (``HealthGateOutcome``), so the scheduler can end the
    /// deployment `rolled_back` rather than `failed`.
    /// A paused rollout also hands back its `continuation`, to go on from where it stopped.
    case halted(error: String, outputs: [String: String], continuation: JSONValue? = nil)
}
