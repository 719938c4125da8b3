import Foundation
import HTTPTypes
import HangarContracts
import Hummingbird
import Logging

/// Records every write request (POST, PUT, PATCH, DELETE) to a route of the API in the audit
/// log, once, after it was answered: who, what (``AuditAction``), on what, the request id and
/// the outcome, with what the handler noted (``AuditNotes``). Reads are not recorded, nor
/// paths no route matches.
///
/// The request id is the client's `X-Request-Id` (printable, at most 128 characters) or one
/// made here; it goes back in the answer's `X-Request-Id`, errors included.
///
/// The entry is written after the change, in its own transaction: when the store refuses it,
/// the request's answer stands and the failure is logged (`intake.audit.write_failed`) and
/// counted.
struct AuditMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIdField: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    let intake: IntakeStore
    let auth: Authenticator
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method) else { return try await next(request, context) }
        let requestId = Self.requestId(request.headers[Self.requestIdField])
        let notes = AuditNotes()
        let caller = auth.identify(request)
        var response: Response
        do {
            response = try await AuditNotes.$current.withValue(notes) { try await next(request, context) }
        } catch let error as any HTTPResponseError {
            // No route matched: not a write to audit, and the error goes on to the middleware
            // that answers it (405 for a documented path).
            guard let route = context.endpointPath, route != "NotFound" else { throw error }
            // Answered here rather than thrown on, so the error's answer carries the request id too.
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.requestIdField] = requestId
        if let route = context.endpointPath, route != "NotFound" {
            let entry = AuditAction.entry(
                request: request, route: route, caller: caller, requestId: requestId, status: Int(response.status.code), summary: notes.all)
            do {
                try await intake.appendAudit(entry)
            } catch {
                logger.error(
                    "intake.audit.write_failed",
                    metadata: ["action": "\(entry.action)", "request.id": "\(requestId)", "error": "\(String(reflecting: error))"])
                AuditMetrics.writeFailures.increment()
            }
        }
        return response
    }

    static func requestId(_ given: String?) -> String {
        if let given, !given.isEmpty, given.count <= 128, given.unicodeScalars.allSatisfy({ (0x21..<0x7F).contains($0.value) }) {
            return given
        }
        return UUID.v7().lowercasedString
    }
}
