import Foundation
import HTTPTypes
import HangarContracts
import OpenAPIRuntime

/// Reads a generated operation's request body as the hand-made routes do, before the
/// generated code decodes it: at most `limit` bytes (413 beyond), an empty body as none (400
/// "Body required" where the document requires one), and a body that is not a JSON object
/// refused with 400 "Malformed JSON". What passes is a JSON object, which the generated code
/// reads as a ``RequestObject`` for intake's validators to check field by field.
///
/// An operation the document gives no body does not read one, as before.
struct RequestBodyMiddleware: ServerMiddleware {
    /// The operations that take a body, by `operationId`: whether it is required
    /// (``OpenAPIDocument/requestBodies``).
    var bodies: [String: Bool]
    /// The largest body read, in bytes.
    var limit = 64 * 1024

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let required = bodies[operationID] else { return try await next(request, body, metadata) }
        var bytes: [UInt8] = []
        do {
            if let body { bytes = try await [UInt8](collecting: body, upTo: limit) }
        } catch {
            throw Problem(.contentTooLarge, title: "Body too large", detail: "the body must be at most \(limit) bytes")
        }
        guard !bytes.isEmpty else {
            guard !required else {
                throw Problem(.badRequest, title: "Body required", detail: "the body must be a JSON object (send {} for the defaults)")
            }
            return try await next(request, nil, metadata)
        }
        let value: JSONValue
        do {
            value = try HangarJSON.decoder.decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw Problem(.badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        }
        guard case .object = value else { throw Problem(.badRequest, title: "Malformed JSON", detail: "the body must be a JSON object") }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}
