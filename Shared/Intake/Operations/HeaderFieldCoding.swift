import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Translates the header fields a generated operation declares between HTTP's plain text and
/// the URI form the generated code reads and writes (OpenAPI's `simple` style: percent-encoded,
/// a comma between list items).
///
/// Without it a `Location` would go out as `%2Fv1%2F…`, and an `Idempotency-Key` would be read
/// as URI text (a `%` in it taken for an escape). Each request field is
/// percent-encoded whole, so the generated code reads it back as the one string the client
/// sent; each response field is decoded back to the text the handler gave. `Accept` is not
/// passed on: intake answers JSON (or problem+json) whatever it says.
struct HeaderFieldCoding: ServerMiddleware {
    /// The request fields the document declares as parameters.
    /// (`If-None-Match` is declared only by the two reads made by hand, `IntakeAPI`.)
    static let requestFields: [HTTPField.Name] = [HTTPField.Name("Idempotency-Key")!]
    /// The response fields the generated operations declare (`ETag` and `Cache-Control` only
    /// the two hand-made reads do).
    static let responseFields: [HTTPField.Name] = [.location]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        // Intake answers JSON whatever the caller accepts, as it always has: left to the
        // generated code, an `Accept` without JSON would fail the answer after its effect.
        request.headerFields[.accept] = nil
        for name in Self.requestFields {
            guard let value = request.headerFields[name] else { continue }
            request.headerFields[name] = value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? value
        }
        var (response, responseBody) = try await next(request, body, metadata)
        for name in Self.responseFields {
            guard let value = response.headerFields[name] else { continue }
            response.headerFields[name] = value.removingPercentEncoding ?? value
        }
        return (response, responseBody)
    }

    /// RFC 3986's unreserved characters: everything else is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
