import AsyncHTTPClient
import Foundation
import NIOCore

/// Posts webhooks with async-http-client (http and https only, no redirects followed), signed
/// with ``WebhookSignature``.
public struct HTTPWebhookTransport: WebhookTransport {
    /// Signs each body; its headers are added to every call.
    public let signature: WebhookSignature
    /// How long the whole call may take, in seconds (`HANGAR_WEBHOOK_TIMEOUT_S` in the notifier).
    public let timeoutSeconds: Int
    private let client: HTTPClient

    /// Creates a transport that signs with `secret`; it posts through one process-wide client
    /// that connects within 10 s and follows no redirects.
    public init(secret: [UInt8], timeoutSeconds: Int = 30) {
        signature = WebhookSignature(secret: secret)
        self.timeoutSeconds = timeoutSeconds
        client = .webhooks
    }

    /// Posts the webhook: a 2xx is delivered; 408, 425, 429, 5xx and connection trouble are
    /// transient; any other status, a redirect included, is permanent.
    public func post(_ webhook: OutgoingWebhook) async -> SendResult {
        guard let scheme = URL(string: webhook.url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .permanent("not an http or https URL")
        }
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Hangar-Webhook/1")
        request.headers.add(name: "X-Hangar-Event", value: webhook.eventType)
        request.headers.add(name: "X-Hangar-Delivery", value: webhook.deliveryId)
        request.headers.add(name: WebhookSignature.timestampHeader, value: "\(timestamp)")
        request.headers.add(name: WebhookSignature.signatureHeader, value: signature.signature(body: webhook.body, timestamp: timestamp))
        request.body = .bytes(ByteBuffer(bytes: webhook.body))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(timeoutSeconds)))
            // Only the status matters; the answer is read (so the connection can be reused) and dropped.
            for try await _ in response.body {}
            return Self.classify(status: Int(response.status.code))
        } catch {
            return .transient("\(error)")
        }
    }

    /// 2xx delivered; 408, 425, 429 and 5xx may pass later; any other answer (a 3xx included) will not.
    static func classify(status: Int) -> SendResult {
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429, 500..<600: return .transient("HTTP \(status)")
        default: return .permanent("HTTP \(status)")
        }
    }
}

extension HTTPClient {
    /// The notifier's client for webhooks: connects within 10 s and follows no redirect (a 3xx
    /// is the answer). Process-wide, so never shut down, like `HTTPClient.shared`.
    static let webhooks: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
