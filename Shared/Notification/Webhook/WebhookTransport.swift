/// One webhook call: a JSON body for one URL.
public struct OutgoingWebhook: Sendable, Equatable {
    /// The http or https URL the body is posted to, one of the environment's `notifications.webhooks`.
    public var url: String
    /// The JSON body, a ``WebhookPayload`` as encoded when the notification was stored.
    public var body: [UInt8]
    /// The notification's id (`X-Hangar-Delivery`), the same on every retry.
    public var deliveryId: String
    /// `deployment.succeeded`… (`X-Hangar-Event`).
    public var eventType: String

    /// Creates a webhook call.
    public init(url: String, body: [UInt8], deliveryId: String, eventType: String) {
        self.url = url
        self.body = body
        self.deliveryId = deliveryId
        self.eventType = eventType
    }
}

/// Posts one webhook and tells how it went: a 2xx is delivered; 408, 425, 429, 5xx and
/// connection trouble are transient; any other answer is permanent.
public protocol WebhookTransport: Sendable {
    func post(_ webhook: OutgoingWebhook) async -> SendResult
}
