import Foundation
import HangarContracts
import Synchronization
import Testing

@testable import HangarScheduling

@Suite("Request cache")
struct RequestCacheTests {
    static func request(_ id: UUID = UUID()) -> SubmitDeployment {
        SubmitDeployment(
            deploymentId: id, environmentId: UUID(), environmentName: "web", version: "1.0", owner: "alice",
            createdAt: Date(epochMilliseconds: 1_800_000_000_123), scheduledAt: nil, options: .init(), mode: .optimized,
            target: ProviderTarget(provider: "simulated"))
    }

    @Test("each request is decoded once while cached, as the store holds it; at most two generations are kept")
    func decodesOnce() throws {
        let cache = RequestCache(generationSize: 3)
        let decodes = Mutex(0)
        func read(_ request: SubmitDeployment) throws -> SubmitDeployment {
            try cache.request(request.deploymentId) {
                decodes.withLock { $0 += 1 }
                return String(decoding: try HangarJSON.encoder.encode(request), as: UTF8.self)
            }
        }
        let first = Self.request()
        #expect(try read(first) == first)
        #expect(try read(first) == first)
        #expect(decodes.withLock { $0 } == 1)

        // Three more fill the first generation and start a second; the first request is still there.
        let others = (0..<3).map { _ in Self.request() }
        for request in others { _ = try read(request) }
        #expect(decodes.withLock { $0 } == 4)
        _ = try read(first)
        #expect(decodes.withLock { $0 } == 4, "still cached in the previous generation")
        #expect(cache.count <= 6)

        // Three more again: the oldest generation goes, and the first request is decoded anew.
        for _ in 0..<3 { _ = try read(Self.request()) }
        _ = try read(first)
        #expect(decodes.withLock { $0 } == 8)
        #expect(cache.count <= 6)
    }
}
