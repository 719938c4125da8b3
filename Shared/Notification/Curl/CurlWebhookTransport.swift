import CCurl
import Foundation

/// Posts webhooks with libcurl (http and https only, no redirects followed), signed with
/// ``WebhookSignature``. Like the SMTP transport, each transfer runs on a thread of its own.
public struct CurlWebhookTransport: WebhookTransport {
    public let signature: WebhookSignature
    public let connectTimeoutSeconds: Int
    public let timeoutSeconds: Int

    public init(secret: [UInt8], connectTimeoutSeconds: Int = 10, timeoutSeconds: Int = 30) {
        signature = WebhookSignature(secret: secret)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    public func post(_ webhook: OutgoingWebhook) async -> SendResult {
        let transport = self
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: transport.perform(webhook)) }
            thread.name = "hangar-webhook"
            thread.start()
        }
    }

    func perform(_ webhook: OutgoingWebhook) -> SendResult {
        guard curlGlobalInit == CURLE_OK else { return .transient("curl_global_init failed") }
        guard let handle = curl_easy_init() else { return .transient("curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let timestamp = Int64(Date().timeIntervalSince1970)
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        for header in [
            "Content-Type: application/json", "User-Agent: Hangar-Webhook/1", "X-Hangar-Event: \(webhook.eventType)",
            "X-Hangar-Delivery: \(webhook.deliveryId)", "\(WebhookSignature.timestampHeader): \(timestamp)",
            "\(WebhookSignature.signatureHeader): \(signature.signature(body: webhook.body, timestamp: timestamp))", "Expect:",
        ] {
            headers = curl_slist_append(headers, header)
        }
        defer { curl_slist_free_all(headers) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        return webhook.body.withUnsafeBufferPointer { body -> SendResult in
            var status = CURLE_OK
            func set(_ result: CURLcode) { if status == CURLE_OK { status = result } }
            set(hangar_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
            set(hangar_curl_setopt_string(handle, CURLOPT_URL, webhook.url))
            set(hangar_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            set(hangar_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(hangar_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds))
            set(hangar_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds))
            set(hangar_curl_setopt_long(handle, CURLOPT_POST, 1))
            set(hangar_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress)))
            set(hangar_curl_setopt_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            set(hangar_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
            set(hangar_curl_setopt_write_callback(handle, discardBody))
            guard status == CURLE_OK else {
                return .transient("libcurl option not accepted: \(String(cString: curl_easy_strerror(status)))")
            }
            let result = curl_easy_perform(handle)
            let response = hangar_curl_response_code(handle)
            if result != CURLE_OK {
                let detail = String(cString: errorBuffer)
                return .transient("\(String(cString: curl_easy_strerror(result)))\(detail.isEmpty ? "" : ": \(detail)") (curl \(result.rawValue))")
            }
            return Self.classify(status: response)
        }
    }

    /// 2xx delivered; 408, 425, 429 and 5xx may pass later; any other answer will not.
    static func classify(status: Int) -> SendResult {
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429, 500..<600: return .transient("HTTP \(status)")
        default: return .permanent("HTTP \(status)")
        }
    }
}

/// Answers are not read: only the status matters.
private let discardBody: hangar_curl_write_callback = { _, size, count, _ in size * count }
