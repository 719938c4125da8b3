import Foundation
import HangarContracts

/// Decoded submissions by deployment id. A deployment's request never changes once stored,
/// and each of its transactions would otherwise decode it from JSON again (it carries the
/// target, recipients and webhooks: the largest column the scheduler reads).
///
/// Bounded by two generations (``GenerationalCache``). Safe with several replicas, since the
/// value is immutable.
final class RequestCache: Sendable {
    private let cache: GenerationalCache<SubmitDeployment>

    init(generationSize: Int = 2048) {
        cache = GenerationalCache(generationSize: generationSize)
    }

    /// The request of deployment `id`, decoding `json` only when it is not cached.
    func request(_ id: UUID, json: () throws -> String) throws -> SubmitDeployment {
        if let cached = cache.value(id) { return cached }
        let request = try HangarJSON.decoder.decode(SubmitDeployment.self, from: Data(try json().utf8))
        cache.keep(request, for: request.deploymentId)
        return request
    }

    /// How many requests are cached (both generations).
    var count: Int { cache.count }
}
