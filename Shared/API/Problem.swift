import Foundation
import HangarContracts
import Hummingbird

/// An error answered as RFC 9457 `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    /// One bad input field.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    public var headers: HTTPFields
    /// The freeze window that refused a deployment (an extension member `freeze`).
    var freeze: FrozenBy?

    public init(_ status: HTTPResponse.Status, title: String, detail: String? = nil, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    static func invalid(_ errors: [FieldError]) -> Problem {
        Problem(
            .unprocessableContent, title: "Invalid request",
            detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, title: "Not found", detail: what) }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var errors: [FieldError]?
        var freeze: FrozenBy?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "https://hangar.dev/problems/\(status.code)", title: title, status: status.code, detail: detail,
            errors: errors.isEmpty ? nil : errors, freeze: freeze)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try HangarJSON.encoder.encode(body))))
    }
}

/// A JSON response with Hangar's encoding (RFC 3339 dates with milliseconds).
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try HangarJSON.encoder.encode(value))))
}

/// The freeze window a deployment ran into: which, why, and until when.
struct FrozenBy: Encodable, Sendable {
    var id: UUID
    var reason: String
    var environmentId: UUID?
    var from: Date
    var until: Date
}
