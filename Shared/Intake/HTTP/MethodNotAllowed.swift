import Foundation
import HTTPTypes
import Hummingbird

/// Answers `405 Method Not Allowed` with an `Allow` header, instead of the router's 404, when
/// the path is one of the API document's paths but the method is not one of its operations
/// (`TRACE /v1/environments`, `DELETE /v1/deployments/{id}`). Paths outside the document keep
/// their 404. The methods come from the OpenAPI document, so they cannot drift from it.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A documented path: its segments (`nil` for a `{parameter}`) and its methods.
    struct DocumentedPath: Sendable {
        var segments: [String?]
        var methods: [String]

        func matches(_ path: [Substring]) -> Bool {
            guard path.count == segments.count else { return false }
            return zip(segments, path).allSatisfy { expected, actual in expected.map { $0 == actual } ?? !actual.isEmpty }
        }
    }

    let paths: [DocumentedPath]

    /// Takes the paths and their methods from `document`.
    init(document: OpenAPIDocument) {
        paths = document.methodsByPath.map { path, methods in
            DocumentedPath(segments: path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }, methods: methods)
        }
    }

    /// The methods the API document allows on `path`, or `nil` when it does not describe it.
    func allowed(on path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return paths.first { $0.matches(segments) }?.methods
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = allowed(on: request.uri.path), !methods.contains(request.method.rawValue) else { throw error }
            throw Problem(
                .methodNotAllowed, title: "Method not allowed",
                detail: "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(methods.joined(separator: ", "))",
                headers: [.allow: methods.joined(separator: ", ")])
        }
    }
}
