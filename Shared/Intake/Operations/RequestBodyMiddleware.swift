import Foundation
import HTTPTypes
import HangarContracts
import OpenAPIRuntime

/// Reads a generated operation's request body as the hand-made routes do, before the
/// generated code decodes it: at most `limit` bytes (413 beyond), an empty body as none (400
/// "Body required" where the document requires one), and a body that is not a JSON object
/// refused with 400 "Malformed JSON" once the generated code failed to read it as a
/// ``RequestObject`` (the body is parsed once when it is fine). What passes is a JSON object,
/// for intake's validators to check field by field.
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
        do {
            return try await next(request, HTTPBody(bytes), metadata)
        } catch let error as ServerError where error.operationInput == nil && error.underlyingError is DecodingError {
            // The generated code could not read the input. The body is at fault only when it is
            // not a JSON object (a path value may be, too); read again here, off the usual path.
            throw Self.malformed(bytes) ?? error
        }
    }

    /// The problem with a body that is not a JSON object; `nil` for one that is.
    static func malformed(_ bytes: [UInt8]) -> Problem? {
        guard let value = try? HangarJSON.decoder.decode(JSONValue.self, from: Data(bytes)) else {
            return Problem(.badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        }
        guard case .object = value else { return Problem(.badRequest, title: "Malformed JSON", detail: "the body must be a JSON object") }
        return nil
    }
}
