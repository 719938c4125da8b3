import Foundation
import Yams

/// The OpenAPI 3.1 description of HTTP API v1: `openapi.yaml`, the single source of the
/// contract, read once at start and served as JSON at `GET /openapi.json`.
///
/// Intake checks its routes against ``operations`` when it starts (``DocumentedRouter``), and
/// ``MethodNotAllowedMiddleware`` answers 405 from the same document, so neither can drift from it.
struct OpenAPIDocument: Sendable {
    /// One operation of the document: a method (upper case) on a path (`/v1/deployments/{id}`).
    struct Operation: Hashable, Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    /// Why the document could not be read.
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The document as JSON (keys sorted).
    let json: String
    /// Every operation it describes.
    let operations: Set<Operation>
    /// The operations that take a request body, by `operationId`: whether the body is required.
    let requestBodies: [String: Bool]

    /// Reads `openapi.yaml` from `path`, or from the `HangarIntake` resources next to the executable
    /// (or the source tree when developing, see ``BundledResources``).
    static func load(from path: String? = nil) throws -> OpenAPIDocument {
        let file: String
        if let path {
            file = path
        } else if let directory = BundledResources.directory(named: "", containing: "openapi.yaml") {
            file = directory + "/openapi.yaml"
        } else {
            throw LoadError(description: "openapi.yaml is not among intake's resources (Hangar_HangarIntake.resources next to the executable)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw LoadError(description: "cannot read \(file): \(error)")
        }
        return try parse(yaml: text, source: file)
    }

    /// Parses the document's YAML text.
    static func parse(yaml text: String, source: String = "openapi.yaml") throws -> OpenAPIDocument {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw LoadError(description: "\(source) is not valid YAML: \(error)")
        }
        guard let document = loaded as? [String: Any], let paths = document["paths"] as? [String: Any],
            JSONSerialization.isValidJSONObject(document)
        else {
            throw LoadError(description: "\(source) is not an OpenAPI document with paths (or holds values JSON cannot carry)")
        }
        let verbs = ["get", "put", "post", "delete", "patch", "head", "options"]
        var operations: Set<Operation> = []
        var requestBodies: [String: Bool] = [:]
        for (path, item) in paths {
            let item = item as? [String: Any] ?? [:]
            for verb in verbs where item[verb] != nil {
                operations.insert(Operation(method: verb.uppercased(), path: path))
                if let operation = item[verb] as? [String: Any], let id = operation["operationId"] as? String,
                    let body = operation["requestBody"] as? [String: Any]
                {
                    requestBodies[id] = body["required"] as? Bool ?? false
                }
            }
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return OpenAPIDocument(json: String(decoding: data, as: UTF8.self), operations: operations, requestBodies: requestBodies)
    }

    /// The methods the document allows on each path, for ``MethodNotAllowedMiddleware``.
    var methodsByPath: [String: [String]] {
        Dictionary(grouping: operations, by: \.path).mapValues { $0.map(\.method).sorted() }
    }
}
