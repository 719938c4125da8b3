import Foundation
import Hummingbird
import Testing

@testable import HangarIntake

@Suite("The API document and the routes")
struct OpenAPIDocumentTests {
    /// `Shared/Intake/openapi.yaml` of this source tree.
    static let sourceDocument = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/Intake/openapi.yaml").path

    @Test("openapi.yaml reads as an OpenAPI 3.1 document whose every operation has a unique operationId")
    func document() throws {
        let document = try OpenAPIDocument.load(from: Self.sourceDocument)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.json.utf8)) as? [String: Any])
        #expect(object["openapi"] as? String == "3.1.0")
        let paths = try #require(object["paths"] as? [String: [String: Any]])
        var ids: [String] = []
        for (path, item) in paths {
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let id = operation["operationId"] as? String
                #expect(id?.isEmpty == false, "\(method.uppercased()) \(path) has no operationId")
                ids.append(id ?? "")
            }
        }
        #expect(ids.count == document.operations.count)
        #expect(Set(ids).count == ids.count, "operationIds repeat: \(ids.sorted())")
        #expect(document.operations.contains(.init(method: "GET", path: "/v1/deployments/{id}")))
        #expect(document.methodsByPath["/v1/environments/{env}"] == ["DELETE", "GET", "PATCH"])
    }

    @Test("every operation is generated (the generator config's filter) or hand-made for a stated reason, never both")
    func generatedOrHandMade() throws {
        let yaml = try String(contentsOfFile: Self.sourceDocument, encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.parse(yaml: yaml).json.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let ids = Set(paths.values.flatMap { item in item.values.compactMap { ($0 as? [String: Any])?["operationId"] as? String } })
        let configPath = URL(fileURLWithPath: Self.sourceDocument).deletingLastPathComponent().appendingPathComponent("openapi-generator-config.yaml")
        var generated: Set<String> = []
        var inFilter = false
        for line in try String(contentsOf: configPath, encoding: .utf8).split(separator: "\n") {
            if line == "  operations:" {
                inFilter = true
            } else if inFilter, line.hasPrefix("    - ") {
                generated.insert(String(line.dropFirst(6)))
            } else if inFilter {
                inFilter = false
            }
        }
        #expect(generated.count > 30, "the filter was read: \(generated.sorted())")
        #expect(generated.isDisjoint(with: IntakeAPI.handMadeOperations))
        #expect(
            generated.union(IntakeAPI.handMadeOperations) == ids,
            "neither: \(ids.subtracting(generated).subtracting(IntakeAPI.handMadeOperations).sorted())")
    }

    @Test("a document that is not YAML, or has no paths, is refused with the reason")
    func refused() {
        #expect(throws: OpenAPIDocument.LoadError.self) { try OpenAPIDocument.parse(yaml: "openapi: [3.1") }
        #expect(throws: OpenAPIDocument.LoadError.self) { try OpenAPIDocument.parse(yaml: "openapi: 3.1.0\ninfo: {}") }
        #expect(throws: OpenAPIDocument.LoadError.self) { try OpenAPIDocument.load(from: "/nonexistent/openapi.yaml") }
    }

    @Test("routes and operations are held to each other: a route missing from the document, or an operation without a route, is named")
    func drift() throws {
        let document = try OpenAPIDocument.parse(
            yaml: """
                openapi: 3.1.0
                paths:
                  /v1/things/{id}:
                    get: {operationId: getThing}
                    delete: {operationId: deleteThing}
                  /v1/things:
                    post: {operationId: createThing}
                """)
        let ok: @Sendable (Request, BasicRequestContext) async throws -> HTTPResponse.Status = { _, _ in .ok }

        let exact = DocumentedRouter(Router())
        exact.group("v1").get("things/:id", use: ok).delete("things/:id", use: ok)
        exact.post("/v1/things", use: ok)
        exact.get("/console/**", use: ok)
        #expect(exact.routes.map(\.description).contains("GET /v1/things/{id}"), "\(exact.routes)")
        try exact.verify(against: document, undocumented: [.init(method: "GET", path: "/console/**")])

        let drifted = DocumentedRouter(Router())
        drifted.group("v1").get("things/:id", use: ok).put("things/:id", use: ok)
        drifted.post("/v1/things", use: ok)
        let error = try #require(throws: DocumentedRouter<BasicRequestContext>.Drift.self) {
            try drifted.verify(against: document, undocumented: [])
        }
        #expect(error.undocumented.map(\.description) == ["PUT /v1/things/{id}"])
        #expect(error.unserved.map(\.description) == ["DELETE /v1/things/{id}"])
        #expect(error.description.contains("routes missing from openapi.yaml: PUT /v1/things/{id}"))
    }
}
