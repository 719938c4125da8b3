import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP API's contract: authentication, validation, idempotency, quotas.
@Suite("HTTP API end to end", .serialized, .timeLimit(.minutes(3)))
struct APIEndToEndTests {
    @Test("the API's edges: an empty body is refused, a bad cursor is named, /metrics is not on the API port")
    func edges() async throws {
        let system = try await HangarSystem("api-edges")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("edge-env")

        // An empty body is not `{}`: nothing is created.
        let (emptyDeploy, emptyDeployStatus) = try await system.request(
            "POST", "/v1/environments/edge-env/deployments", token: HangarSystem.deployerToken)
        #expect(emptyDeployStatus == 400, "\(String(decoding: emptyDeploy, as: UTF8.self))")
        #expect(String(decoding: emptyDeploy, as: UTF8.self).contains("Body required"))
        let (history, _) = try await system.request("GET", "/v1/environments/edge-env/deployments", token: HangarSystem.viewerToken)
        let items = (try JSONSerialization.jsonObject(with: history) as? [String: Any])?["items"] as? [Any]
        #expect(items?.isEmpty == true, "no deployment was created")
        let (_, emptyCreate) = try await system.request("POST", "/v1/environments", body: nil)
        #expect(emptyCreate == 400)
        let (_, emptyPatch) = try await system.request("PATCH", "/v1/environments/edge-env", body: nil)
        #expect(emptyPatch == 400)
        let (_, emptyShutdown) = try await system.request(
            "PUT", "/v1/environments/edge-env/servers/prep-1/shutdown", token: HangarSystem.deployerToken)
        #expect(emptyShutdown == 400)

        // A cursor the API never handed out is an error, not the first page again.
        let (badCursor, badCursorStatus) = try await system.request(
            "GET", "/v1/environments/edge-env/deployments?cursor=garbage", token: HangarSystem.viewerToken)
        #expect(badCursorStatus == 422)
        let fields = ((try JSONSerialization.jsonObject(with: badCursor) as? [String: Any])?["errors"] as? [[String: Any]] ?? [])
            .compactMap { $0["field"] as? String }
        #expect(fields == ["cursor"])

        // A documented path with a method it does not take: 405 with Allow; elsewhere still 404.
        let (_, traceStatus, traceHeaders) = try await rawRequest(system, "TRACE", "/v1/environments")
        #expect(traceStatus == 405)
        #expect(traceHeaders["Allow"] == "GET, POST", "\(traceHeaders)")
        let (_, deleteStatus, deleteHeaders) = try await rawRequest(system, "DELETE", "/v1/deployments/\(UUID().uuidString.lowercased())")
        #expect(deleteStatus == 405 && deleteHeaders["Allow"] == "GET")
        let (_, unknownStatus, _) = try await rawRequest(system, "TRACE", "/v1/nothing-here")
        #expect(unknownStatus == 404)

        // /metrics only on the metrics port.
        let (_, apiMetrics) = try await system.request("GET", "/metrics", token: nil)
        #expect(apiMetrics == 404)
        let metricsURL = try #require(system.metricsURL("intake").flatMap(URL.init(string:)))
        let (scraped, response) = try await URLSession.shared.data(from: metricsURL)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: scraped, as: UTF8.self).contains("hb_requests"))
    }

    /// The routes swift-openapi-generator builds from openapi.yaml read bodies and headers,
    /// and answer refusals, as intake's hand-made routes always did (docs/api.md, "How the
    /// routes are made").
    @Test("generated routes: bodies, media types, path values and header fields answer as the API document says")
    func generatedRouteEdges() async throws {
        let system = try await HangarSystem("api-generated")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("gen-env")
        let deploy = "/v1/environments/gen-env/deployments"

        func problem(_ body: Data) -> (title: String?, fields: [String]) {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            return (object?["title"] as? String, (object?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        }

        // Bodies: not JSON, not an object, too large, of another media type.
        let (notJSON, notJSONStatus, notJSONHeaders) = try await rawRequest(system, "POST", deploy, body: Data("{".utf8))
        #expect(notJSONStatus == 400 && problem(notJSON).title == "Malformed JSON", "\(String(decoding: notJSON, as: UTF8.self))")
        #expect(notJSONHeaders["Content-Type"] == "application/problem+json")
        let (array, arrayStatus, _) = try await rawRequest(system, "POST", deploy, body: Data("[1]".utf8))
        #expect(arrayStatus == 400 && problem(array).title == "Malformed JSON")
        let large = Data(("{\"version\": \"" + String(repeating: "x", count: 70 * 1024) + "\"}").utf8)
        let (_, largeStatus, _) = try await rawRequest(system, "POST", deploy, body: large)
        #expect(largeStatus == 413)
        let (_, textStatus, _) = try await rawRequest(system, "POST", deploy, headers: ["Content-Type": "text/plain"], body: Data("{}".utf8))
        #expect(textStatus == 415)
        // Field by field, as before: every bad field named.
        let (invalid, invalidStatus, _) = try await rawRequest(system, "POST", deploy, body: Data(#"{"version": 7, "colour": "red"}"#.utf8))
        #expect(invalidStatus == 422)
        #expect(Set(problem(invalid).fields) == ["version", "colour"], "\(String(decoding: invalid, as: UTF8.self))")

        // A path value the document does not list is no resource.
        let (_, actionStatus, _) = try await rawRequest(system, "POST", "/v1/environments/gen-env/actions/explode")
        #expect(actionStatus == 404)

        // Header fields go out as plain HTTP, and come in whole.
        let (accepted, acceptedStatus, acceptedHeaders) = try await rawRequest(
            system, "POST", deploy, headers: ["Idempotency-Key": "key, with/odd \"characters\""], body: Data(#"{"version": "1.0"}"#.utf8))
        #expect(acceptedStatus == 202)
        let id = try #require((try JSONSerialization.jsonObject(with: accepted) as? [String: Any])?["id"] as? String)
        #expect(acceptedHeaders["Location"] == "/v1/deployments/\(id)")
        let (again, _, _) = try await rawRequest(
            system, "POST", deploy, headers: ["Idempotency-Key": "key, with/odd \"characters\""], body: Data(#"{"version": "1.0"}"#.utf8))
        #expect((try JSONSerialization.jsonObject(with: again) as? [String: Any])?["id"] as? String == id, "the same key answers the same deployment")
        _ = try await system.wait(for: try #require(UUID(uuidString: id)), status: .succeeded)
        let (_, _, shown) = try await rawRequest(system, "GET", "/v1/deployments/\(id)")
        let tag = try #require(shown["Etag"] ?? shown["ETag"], "\(shown)")
        #expect(tag.hasPrefix("W/\""), "\(tag)")
        let (_, listedStatus, _) = try await rawRequest(system, "GET", "/v1/deployments/\(id)", headers: ["If-None-Match": "W/\"other\", \(tag)"])
        #expect(listedStatus == 304)
    }

    /// The operations the other suites reach only through other clients (the CLI, curl, the
    /// browser), answered through the harness so that the response check sees them too.
    @Test("liveness, the freeze list and an environment's cost answer as the API document says")
    func documentedReads() async throws {
        let system = try await HangarSystem("api-reads")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("reads-env")

        let (live, liveStatus) = try await system.request("GET", "/health/live", token: nil)
        #expect(liveStatus == 200 && String(decoding: live, as: UTF8.self).contains("ok"))
        let (freezes, freezesStatus) = try await system.request("GET", "/v1/freezes", token: HangarSystem.viewerToken)
        #expect(freezesStatus == 200)
        #expect((try JSONSerialization.jsonObject(with: freezes) as? [String: Any])?["items"] as? [Any] != nil, "a list")
        let (cost, costStatus) = try await system.request("GET", "/v1/environments/reads-env/cost", token: HangarSystem.viewerToken)
        #expect(costStatus == 200, "\(String(decoding: cost, as: UTF8.self))")
        let (_, unknownCost) = try await system.request("GET", "/v1/environments/no-such-env/cost", token: HangarSystem.viewerToken)
        #expect(unknownCost == 404)
    }

    @Test("a poller's copy: ETag and If-None-Match answer 304 until that deployment or that environment's history changes")
    func conditionalReads() async throws {
        let system = try await HangarSystem("api-etags")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("tagged")
        try await system.createEnvironment("other")
        let first = try await system.deploy("tagged")
        _ = try await system.wait(for: first, status: .succeeded)
        let deploymentPath = "/v1/deployments/\(first.uuidString.lowercased())"
        let pagePath = "/v1/environments/tagged/deployments"

        // A deployment: tagged; its tag answers 304 with no body; another tag gets the body.
        let (body, status, headers) = try await rawRequest(system, "GET", deploymentPath)
        let deploymentTag = try #require(header("ETag", in: headers), "\(headers)")
        #expect(status == 200 && deploymentTag.hasPrefix("W/"))
        #expect(header("Cache-Control", in: headers) == "no-cache")
        #expect(try HangarJSON.decoder.decode(DeploymentDetails.self, from: body).id == first)
        let (unchanged, unchangedStatus, unchangedHeaders) = try await rawRequest(
            system, "GET", deploymentPath, headers: ["If-None-Match": deploymentTag])
        #expect(unchangedStatus == 304 && unchanged.isEmpty)
        #expect((header("ETag", in: unchangedHeaders)) == deploymentTag)
        #expect(try await rawRequest(system, "GET", deploymentPath, headers: ["If-None-Match": #"W/"d0", "x""#]).1 == 200)
        #expect(try await rawRequest(system, "GET", deploymentPath, headers: ["If-None-Match": #"W/"x", \#(deploymentTag)"#]).1 == 304)

        // The environment's page: 304 until one of its deployments changes.
        let (_, pageStatus, pageHeaders) = try await rawRequest(system, "GET", pagePath)
        let pageTag = try #require(header("ETag", in: pageHeaders))
        #expect(pageStatus == 200)
        #expect(try await rawRequest(system, "GET", pagePath, headers: ["If-None-Match": pageTag]).1 == 304)
        #expect(try await rawRequest(system, "GET", pagePath + "?limit=1", headers: ["If-None-Match": pageTag]).1 == 304)

        // Another environment's deployment changes neither.
        let elsewhere = try await system.deploy("other")
        _ = try await system.wait(for: elsewhere, status: .succeeded)
        #expect(try await rawRequest(system, "GET", pagePath, headers: ["If-None-Match": pageTag]).1 == 304)

        // A second deployment here: the page is new, with a new tag; the first deployment's copy is still current.
        let second = try await system.deploy("tagged")
        _ = try await system.wait(for: second, status: .succeeded)
        let (newPage, newPageStatus, newPageHeaders) = try await rawRequest(system, "GET", pagePath, headers: ["If-None-Match": pageTag])
        #expect(newPageStatus == 200)
        #expect(header("ETag", in: newPageHeaders).map { $0 != pageTag } == true)
        #expect(try HangarJSON.decoder.decode(HistoryPage.self, from: newPage).items.map(\.id) == [second, first])
        #expect(try await rawRequest(system, "GET", deploymentPath, headers: ["If-None-Match": deploymentTag]).1 == 304)
    }

    /// A response header by name, whatever its case.
    private func header(_ name: String, in headers: [String: String]) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// A request with any method and headers, past any cache; its status and headers.
    private func rawRequest(
        _ system: HangarSystem, _ method: String, _ path: String, headers extra: [String: String] = [:], body: Data? = nil
    ) async throws -> (Data, Int, [String: String]) {
        var request = URLRequest(url: URL(string: system.baseURL + path)!)
        request.httpMethod = method
        request.cachePolicy = .reloadIgnoringLocalCacheData
        request.setValue("Bearer \(HangarSystem.adminToken)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in extra { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        ResponseLog.shared?.record(request, response, body: data)
        let headers = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { result, entry in
            if let key = entry.key as? String, let value = entry.value as? String { result[key] = value }
        }
        return (data, http?.statusCode ?? 0, headers)
    }

    @Test("tokens, roles, validation naming every bad field, idempotency, quota and the OpenAPI document")
    func contract() async throws {
        let system = try await HangarSystem("api")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("api-env", limits: #"{"reconnectionsPerMonth": 1}"#)

        // Authentication and roles.
        let (_, anonymous) = try await system.request("GET", "/v1/environments", token: nil)
        #expect(anonymous == 401)
        let (_, wrong) = try await system.request("GET", "/v1/environments", token: "nope-nope-nope")
        #expect(wrong == 401)
        let (_, viewerDeploys) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.viewerToken, body: "{}")
        #expect(viewerDeploys == 403)

        // Every bad field is named.
        let past = HangarJSON.formatDate(Date().addingTimeInterval(-3600))
        let (data, status) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken,
            body: #"{"scheduledAt":"\#(past)","mode":"yolo","options":{"rebootEverything":true},"notify":{"emails":["not-an-email"]},"colour":"red"}"#
        )
        #expect(status == 422)
        let problem = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let fields = Set((problem?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["scheduledAt", "mode", "options.rebootEverything", "notify.emails[0]", "colour"])

        // No silent fallback to the simulator: an environment names its provider.
        let (noProvider, noProviderStatus) = try await system.request("POST", "/v1/environments", body: #"{"name":"where-to"}"#)
        #expect(noProviderStatus == 422)
        let noProviderProblem = try JSONSerialization.jsonObject(with: noProvider) as? [String: Any]
        let providerError = (noProviderProblem?["errors"] as? [[String: Any]])?.first { $0["field"] as? String == "provider" }
        #expect((providerError?["message"] as? String)?.contains("aws, simulated") == true, "\(String(decoding: noProvider, as: UTF8.self))")
        let (_, notCreated) = try await system.request("GET", "/v1/environments/where-to")
        #expect(notCreated == 404)

        let farFuture = HangarJSON.formatDate(Date().addingTimeInterval(400 * 24 * 3600))
        let (_, tooFar) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: #"{"scheduledAt":"\#(farFuture)"}"#)
        #expect(tooFar == 422)
        let (_, malformed) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: "{nope")
        #expect(malformed == 400)
        let (_, unknownEnvironment) = try await system.request(
            "POST", "/v1/environments/nowhere/deployments", token: HangarSystem.deployerToken, body: "{}")
        #expect(unknownEnvironment == 404)
        let huge = String(repeating: "x", count: 70_000)
        let (_, oversized) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: #"{"version":"\#(huge)"}"#)
        #expect(oversized == 413)

        // Idempotency-Key: the retried POST returns the same deployment.
        let headers = ["Idempotency-Key": "release-7"]
        let (first, firstStatus) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: #"{"version":"7"}"#, headers: headers)
        let (second, secondStatus) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: #"{"version":"7"}"#, headers: headers)
        #expect(firstStatus == 202 && secondStatus == 202)
        let firstId = try HangarJSON.decoder.decode(DeploymentDetails.self, from: first).id
        #expect(firstId == (try HangarJSON.decoder.decode(DeploymentDetails.self, from: second).id))
        _ = try await system.wait(for: firstId, status: .succeeded)

        // The reconnection quota: 1 per month here.
        let reconnect = #"{"mode":"requestReconnection","reconnection":{"minutes":5,"message":"Please save your work"}}"#
        let allowed = try await system.deploy("api-env", body: reconnect)
        let (quotaData, quotaStatus) = try await system.request(
            "POST", "/v1/environments/api-env/deployments", token: HangarSystem.deployerToken, body: reconnect)
        #expect(quotaStatus == 409)
        #expect(String(decoding: quotaData, as: UTF8.self).contains("1 of its 1"))
        _ = try await system.wait(for: allowed, status: .succeeded)

        // The OpenAPI document describes the routes.
        let (openapi, openapiStatus) = try await system.request("GET", "/openapi.json", token: nil)
        #expect(openapiStatus == 200)
        let document = try JSONSerialization.jsonObject(with: openapi) as? [String: Any]
        let paths = (document?["paths"] as? [String: Any])?.keys.sorted() ?? []
        #expect(paths.contains("/v1/environments/{env}/deployments"))
        #expect(paths.contains("/v1/deployments/{id}/cancel"))
    }
}
