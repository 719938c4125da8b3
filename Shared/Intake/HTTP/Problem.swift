import Foundation
import HangarContracts
import Hummingbird

/// An error answered as RFC 9457 `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    /// One bad input field.
    public struct FieldError: Codable, Sendable, Equatable {
        /// The request field at fault, as a path such as `name` or `notifications.webhooks[0]`.
        public var field: String
        /// What is wrong with the field, such as `is required`.
        public var message: String

        /// Creates a field error.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The HTTP status of the answer; also the body's `status` and the end of its `type` URL.
    public var status: HTTPResponse.Status
    /// A short summary of the kind of problem, the body's `title`.
    public var title: String
    /// What went wrong this time, for people: the body's `detail`, left out when nil.
    public var detail: String?
    /// The bad input fields: the body's `errors`, left out when empty.
    public var errors: [FieldError]
    /// Headers to add to the answer, such as `WWW-Authenticate`; `Content-Type` is always `application/problem+json`.
    public var headers: HTTPFields
    /// The freeze window that refused a deployment (an extension member `freeze`).
    var freeze: FrozenBy?

    /// Creates a problem to throw from a handler; Hummingbird answers it with ``response(from:context:)``.
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

    /// The answer: `application/problem+json` with `type`, `title`, `status`, `detail`, `errors` and `freeze` (the last
    /// three when set), and ``headers``.
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
    @LowercaseID var id: UUID
    var reason: String
    @LowercaseOptionalID var environmentId: UUID?
    var from: Date
    var until: Date
}
