import AsyncHTTPClient
import Foundation
import HangarContracts
import HangarHarness
import NIOCore
import NIOHTTP1

/// The read side under load: `GET` of a history page (50 deployments with their steps) and of
/// one deployment, from `connections` clients each sending its next request when the last is
/// answered, for `duration`. The load comes from this process, on the same cores as intake;
/// when `wrk` is installed, each read is measured with it too (a load generator in C, which
/// leaves intake more of the two cores than this process's HTTP client does).
enum ReadLoad {
    struct Figures {
        var requests: Int
        var seconds: Double
        var p50: Double
        var p99: Double
        /// Intake's CPU time per request, in ms.
        var intakeCPU: Double
        var bytes: Int

        var row: String {
            String(
                format: "%.0f requests/s, p50 %.1f ms, p99 %.1f ms, intake CPU %.2f ms per request, %d bytes each",
                Double(requests) / seconds, p50, p99, intakeCPU, bytes)
        }
    }

    /// Prints one table row for each read: a page, a page the poller already holds (304), a deployment.
    static func run(quick: Bool) async throws {
        let system = try await HangarSystem("reads", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("reads")
        var ids: [UUID] = []
        for _ in 0..<60 { ids.append(try await system.deploy("reads")) }
        for id in ids { _ = try await system.wait(for: id, status: .succeeded) }

        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
        defer { _ = client.shutdown() }
        let duration: Duration = quick ? .seconds(3) : .seconds(10)
        let page = "\(system.baseURL)/v1/environments/reads/deployments"
        let one = "\(system.baseURL)/v1/deployments/\(ids[30].uuidString.lowercased())"
        let tag = try await client.execute(request(page), timeout: .seconds(10)).headers.first(name: "etag") ?? ""

        for (what, url, headers) in [
            ("a history page, 50 deployments with steps", page, [String: String]()),
            ("the same page, the poller's copy current (If-None-Match → 304)", page, ["If-None-Match": tag]),
            ("GET /v1/deployments/{id}", one, [:]),
        ] {
            let figures = try await load(client, system: system, url: url, headers: headers, connections: 16, duration: duration)
            print("| \(what) | \(figures.row) |")
            if let wrk = Wrk.run(system: system, url: url, headers: headers, connections: 16, duration: duration) {
                print("| \(what), wrk | \(wrk) |")
            }
        }
        try await client.shutdown()
        await system.shutdown()
    }

    static func request(_ url: String, headers: [String: String] = [:]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(HangarSystem.viewerToken)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return request
    }

    static func load(
        _ client: HTTPClient, system: HangarSystem, url: String, headers: [String: String], connections: Int, duration: Duration
    ) async throws -> Figures {
        // Warm the connections first.
        _ = try await fetch(client, url, headers)
        let cpuBefore = CPUTimes.read(system).seconds["intake"] ?? 0
        let start = ContinuousClock.now
        let end = start + duration
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    var bytes = 0
                    while ContinuousClock.now < end {
                        let sent = ContinuousClock.now
                        bytes = try await fetch(client, url, headers)
                        latencies.append(PipelineBench.milliseconds(ContinuousClock.now - sent))
                    }
                    return (latencies, bytes)
                }
            }
            var all: [Double] = []
            var bytes = 0
            for try await (latencies, size) in group {
                all += latencies
                bytes = size
            }
            return (all.sorted(), bytes)
        }
        let seconds = PipelineBench.milliseconds(ContinuousClock.now - start) / 1000
        let cpu = (CPUTimes.read(system).seconds["intake"] ?? 0) - cpuBefore
        let latencies = results.0
        return Figures(
            requests: latencies.count, seconds: seconds, p50: latencies[latencies.count / 2],
            p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
            intakeCPU: cpu * 1000 / Double(max(1, latencies.count)), bytes: results.1)
    }

    /// One request; the body's size. Anything but 200 or 304 stops the benchmark.
    static func fetch(_ client: HTTPClient, _ url: String, _ headers: [String: String]) async throws -> Int {
        let response = try await client.execute(request(url, headers: headers), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok || response.status == .notModified else {
            throw E2EFailure("GET \(url) answered \(response.status.code)")
        }
        return body.readableBytes
    }
}
