import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The request a generated operation serves, for what the generated `Input` does not carry:
/// the caller's token (the document's security scheme, which the generator leaves to the
/// server) and the raw query a validator names fields from.
enum OperationRequest {
    /// The request being answered; set by ``OperationRequestMiddleware`` for every route.
    @TaskLocal static var current: Request?

    /// The request being answered, or a 500 when a handler runs outside the middleware (a
    /// wiring mistake, never a client's).
    static var request: Request {
        get throws {
            guard let current else {
                throw Problem(.internalServerError, title: "Internal error", detail: "the request is not available to its handler")
            }
            return current
        }
    }
}

/// Lets a generated operation read its request (``OperationRequest``), and answers its errors
/// as the hand-made routes do: the ``Problem`` a handler or ``RequestBodyMiddleware`` threw,
/// and a request the generated code could not read (a path value the document does not list,
/// a body of another media type) as a problem.
struct OperationRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await OperationRequest.$current.withValue(request) { try await next(request, context) }
        } catch let error as ServerError {
            throw Self.problem(for: error)
        }
    }

    /// The answer to an error of a generated operation.
    static func problem(for error: ServerError) -> any Error {
        if let problem = error.underlyingError as? Problem { return problem }
        // Thrown by a handler, and not a problem: answered 500, as a hand-made route's would be.
        guard error.operationInput == nil else { return error.underlyingError }
        // The request could not be read into the operation's input. The generator's own wording
        // may quote the request, so the answer names only the kind of fault.
        if error.underlyingError is DecodingError, let action = error.requestMetadata.pathParameters["action"] {
            return Problem(.notFound, title: "Unknown action", detail: "'\(action)' is not an action of this path; see GET /openapi.json")
        }
        switch error.httpStatus {
        case .unsupportedMediaType:
            return Problem(.unsupportedMediaType, title: "Unsupported media type", detail: "the body must be application/json")
        default:
            return Problem(
                .badRequest, title: "Bad request", detail: "a parameter or the body is not of the type the API document gives it")
        }
    }
}
