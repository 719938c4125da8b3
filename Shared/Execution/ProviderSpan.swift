import HangarContracts
import HangarProviders
import Tracing

/// A span around each call to a provider (`provider <operation>`, kind client), a child of
/// the current one: which provider and, for a step, which step, attempt and poll, and how it
/// answered. The target's settings and the step's outputs stay out of it (they may name
/// accounts and servers, never secrets, but a trace is no place for them either).
enum ProviderSpan {
    /// Runs a step through `provider`.
    static func execute(
        _ provider: any Provider, _ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void
    ) async throws -> StepOutcome {
        try await withSpan("provider execute", ofKind: .client) { span in
            if span.isRecording {
                span.updateAttributes { attributes in
                    attributes["hangar.provider"] = command.target.provider
                    attributes["hangar.deployment.id"] = command.deploymentId.lowercasedString
                    attributes["hangar.step"] = command.step.rawValue
                    attributes["hangar.step.attempt"] = command.attempt
                    attributes["hangar.step.poll"] = command.poll
                }
            }
            let outcome = try await provider.execute(command, progress: progress)
            if span.isRecording {
                span.attributes["hangar.step.outcome"] = outcome.metricName
            }
            return outcome
        }
    }

    /// Any other call (`servers`, `perform`) to the provider named `provider`.
    static func call<T: Sendable>(
        _ operation: String, provider: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withSpan("provider \(operation)", ofKind: .client) { span in
            if span.isRecording { span.attributes["hangar.provider"] = provider }
            return try await body()
        }
    }
}
