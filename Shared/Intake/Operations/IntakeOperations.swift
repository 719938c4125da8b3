import HangarContracts
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The operations of `openapi.yaml` that swift-openapi-generator builds (the `filter` of
/// `openapi-generator-config.yaml`): their inputs, outputs and routes are generated from the
/// document, and each handler here applies ``IntakeAPI``'s stores and rules.
///
/// A handler throws a ``Problem`` for every refusal; ``OperationRequestMiddleware`` answers it
/// as problem+json, so the outputs built here are the successful ones the document lists.
struct IntakeOperations: APIProtocol {
    /// The stores, the bus and the rules the routes share with the hand-made ones.
    let api: IntakeAPI

    /// Registers the generated routes on `router`, with Hangar's JSON and request bodies read
    /// by ``RequestBodyMiddleware`` and header fields translated by ``HeaderFieldCoding``.
    func register(on router: DocumentedRouter<BasicRequestContext>) throws {
        try registerHandlers(
            on: router, configuration: OperationCoding.configuration,
            middlewares: [HeaderFieldCoding(), RequestBodyMiddleware(bodies: api.document.requestBodies)])
    }

    /// The caller of the request being answered, when its token has `role` or more (401 or 403
    /// otherwise): the document's bearer scheme, which the generated code leaves to the server.
    func caller(requiring role: Role) throws -> Caller {
        try api.auth.authenticate(try OperationRequest.request, requiring: role)
    }
}

extension DocumentedRouter: ServerTransport {}
