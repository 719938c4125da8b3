import Foundation
import HangarContracts
import Synchronization

/// Decoded submissions by deployment id. A deployment's request never changes once stored,
/// and each of its transactions would otherwise decode it from JSON again (it carries the
/// target, recipients and webhooks: the largest column the scheduler reads).
///
/// Two generations keep it bounded without bookkeeping per entry: lookups try the current
/// one, then the previous; when the current one is full it becomes the previous one, and the
/// oldest generation is dropped. Safe with several replicas, since the value is immutable.
final class RequestCache: Sendable {
    private struct Generations {
        var current: [UUID: SubmitDeployment] = [:]
        var previous: [UUID: SubmitDeployment] = [:]
    }

    private let generations = Mutex(Generations())
    /// Entries per generation: at most twice this many are kept.
    let generationSize: Int

    init(generationSize: Int = 2048) {
        self.generationSize = generationSize
    }

    /// The request of deployment `id`, decoding `json` only when it is not cached.
    func request(_ id: UUID, json: () throws -> String) throws -> SubmitDeployment {
        if let cached = generations.withLock({ $0.current[id] ?? $0.previous[id] }) { return cached }
        let request = try HangarJSON.decoder.decode(SubmitDeployment.self, from: Data(try json().utf8))
        remember(request)
        return request
    }

    private func remember(_ request: SubmitDeployment) {
        generations.withLock { generations in
            if generations.current.count >= generationSize {
                generations.previous = generations.current
                generations.current = [:]
            }
            generations.current[request.deploymentId] = request
        }
    }

    /// How many requests are cached (both generations).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }
}
