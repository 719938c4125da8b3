import AsyncHTTPClient
import Foundation
import HangarContracts
import HangarHarness
import NIOCore

/// Submits the measured deployments with AsyncHTTPClient over kept-alive connections. The
/// benchmark's client shares the two cores with the services; with `URLSession` (the test
/// harness's client, libcurl underneath) it took more CPU, intake took more per submission,
/// and a deployment one at a time took 1–2 ms longer, none of it Hangar's doing
/// (docs/benchmarks.md). `HANGAR_BENCH_CLIENT=urlsession` measures with the harness's client.
final class Submitter: Sendable {
    private let client: HTTPClient
    private let system: HangarSystem
    private let useURLSession: Bool

    init(_ system: HangarSystem) {
        self.system = system
        useURLSession = ProcessInfo.processInfo.environment["HANGAR_BENCH_CLIENT"] == "urlsession"
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
    }

    /// Submits a deployment of `environment` with `body`; returns its id.
    func deploy(_ environment: String, body: String = "{}") async throws -> UUID {
        if useURLSession { return try await system.deploy(environment, body: body) }
        var request = HTTPClientRequest(url: "\(system.baseURL)/v1/environments/\(environment)/deployments")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(HangarSystem.deployerToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .accepted else {
            throw E2EFailure("deploy answered \(response.status.code): \(String(buffer: answer))")
        }
        return try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(answer.readableBytesView)).id
    }

    /// Closes the connections.
    func shutdown() async {
        try? await client.shutdown()
    }
}
