import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// The CLI's client: a refused or unreachable API fails within seconds instead of being
    /// retried until the request's deadline. Process-wide, so never shut down.
    static let cli: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
