import Hummingbird
import Synchronization

/// The router intake registers its routes on: it passes each one to Hummingbird's `Router` and
/// keeps a list of them, so that ``verify(against:undocumented:)`` can hold the routes and the
/// API document to each other when intake starts.
final class DocumentedRouter<Context: RequestContext>: RouterMethods {
    /// The router the routes go to.
    let router: Router<Context>
    private let registered = Mutex<[OpenAPIDocument.Operation]>([])

    /// Wraps `router`.
    init(_ router: Router<Context>) {
        self.router = router
    }

    /// Registers `responder` on the router and notes the route.
    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        registered.withLock { $0.append(.init(method: method.rawValue, path: path.description)) }
        router.on(path, method: method, responder: responder)
        return self
    }

    /// Adds `middleware` to the router, for the routes added after it.
    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// The routes registered so far, as method and OpenAPI path (`GET /v1/deployments/{id}`).
    var routes: [OpenAPIDocument.Operation] { registered.withLock { $0 } }

    /// A route without an operation, or an operation without a route.
    struct Drift: Error, CustomStringConvertible {
        /// Routes the document does not describe.
        var undocumented: [OpenAPIDocument.Operation]
        /// Operations of the document no route serves.
        var unserved: [OpenAPIDocument.Operation]
        var description: String {
            var parts: [String] = []
            if !undocumented.isEmpty { parts.append("routes missing from openapi.yaml: \(undocumented.map(\.description).joined(separator: ", "))") }
            if !unserved.isEmpty {
                parts.append("operations of openapi.yaml without a route: \(unserved.map(\.description).joined(separator: ", "))")
            }
            return parts.joined(separator: "; ")
        }
    }

    /// Throws ``Drift`` unless every route is an operation of `document` and every operation a
    /// route. `undocumented` lists the routes kept out of the document on purpose (the console's files).
    func verify(against document: OpenAPIDocument, undocumented allowed: Set<OpenAPIDocument.Operation>) throws {
        let routes = Set(routes)
        let undocumented = routes.subtracting(document.operations).subtracting(allowed)
        let unserved = document.operations.subtracting(routes)
        guard undocumented.isEmpty, unserved.isEmpty else {
            throw Drift(
                undocumented: undocumented.sorted { $0.description < $1.description }, unserved: unserved.sorted { $0.description < $1.description })
        }
    }
}
