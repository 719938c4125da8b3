import CCurl
import Foundation

/// Sends through an SMTP server with libcurl: STARTTLS (required or opportunistic) or
/// implicit TLS, AUTH, timeouts, one recipient per transfer so that each recipient's answer
/// is known and a 5xx for one does not stop the others.
///
/// libcurl's easy interface blocks, so every transfer runs on ``CurlExecutor``'s queue and the
/// caller awaits it through a continuation: no blocking call on Swift's cooperative pool.
public struct CurlSMTPTransport: MailTransport {
    /// The server to send through and how (TLS, login, timeouts).
    public let settings: SMTPSettings

    /// Creates a transport for the server in `settings`.
    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    /// For logs: `smtp` and the server's URL without the password.
    public var description: String { "smtp \(settings)" }

    /// Sends the email to its one recipient on ``CurlExecutor``'s queue. A 5xx reply is permanent, except a refused login;
    /// anything else that fails (4xx, no connection, timeout, TLS) is transient.
    public func send(_ email: OutgoingEmail) async -> SendResult {
        let settings = settings
        return await CurlExecutor.run { report in CurlTransfer.perform(email, settings: settings, report: report) }
    }
}

/// One blocking SMTP transfer on the calling thread.
enum CurlTransfer {
    /// Sends `email` and hands its outcome to `report` as soon as the server's final reply to
    /// the message is in, before the session's QUIT (at `curl_easy_cleanup`): the caller
    /// records it that much sooner, which narrows the window in which a crash makes it send
    /// the same email again.
    static func perform(_ email: OutgoingEmail, settings: SMTPSettings, report: (SendResult) -> Void) {
        guard curlGlobalInit == CURLE_OK else { return report(.transient("curl_global_init failed")) }
        guard let handle = curl_easy_init() else { return report(.transient("curl_easy_init failed")) }
        report(transfer(email, settings: settings, handle: handle))
        curl_easy_cleanup(handle)
    }

    private static func transfer(_ email: OutgoingEmail, settings: SMTPSettings, handle: UnsafeMutableRawPointer) -> SendResult {
        let recipients = curl_slist_append(nil, "<\(email.recipient)>")
        defer { curl_slist_free_all(recipients) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let source = Unmanaged.passRetained(UploadSource(email.data))
        defer { source.release() }

        var status = CURLE_OK
        func set(_ result: CURLcode) { if status == CURLE_OK { status = result } }
        set(hangar_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(hangar_curl_setopt_string(handle, CURLOPT_URL, settings.curlURL))
        set(hangar_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(hangar_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds))
        set(hangar_curl_setopt_long(handle, CURLOPT_TIMEOUT, settings.timeoutSeconds))
        set(hangar_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(email.envelopeFrom)>"))
        set(hangar_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients))
        set(hangar_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
        set(hangar_curl_setopt_read_callback(handle, readCallback))
        set(hangar_curl_setopt_pointer(handle, CURLOPT_READDATA, source.toOpaque()))
        switch settings.security {
        case .starttlsRequired: set(hangar_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)))
        case .starttlsOptional: set(hangar_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)))
        case .none: set(hangar_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue)))
        case .implicitTLS: break
        }
        if let username = settings.username { set(hangar_curl_setopt_string(handle, CURLOPT_USERNAME, username)) }
        if let password = settings.password { set(hangar_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
        if let caFile = settings.caFile { set(hangar_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        if settings.insecure {
            set(hangar_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
            set(hangar_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
        }
        guard status == CURLE_OK else {
            return .transient("libcurl option not accepted: \(String(cString: curl_easy_strerror(status)))")
        }

        let result = curl_easy_perform(handle)
        if result == CURLE_OK { return .delivered }
        let response = hangar_curl_response_code(handle)
        let detail = String(cString: errorBuffer)
        let text = "\(String(cString: curl_easy_strerror(result)))\(detail.isEmpty ? "" : ": \(detail)") (curl \(result.rawValue), SMTP \(response))"
        return classify(result, response: response, text: text)
    }

    /// 5xx: the server refused for good (that recipient, that sender or that message), except a
    /// refused login, which is a configuration problem that fixing the settings cures.
    /// Everything else (4xx, no connection, timeouts, TLS) may pass later.
    static func classify(_ result: CURLcode, response: Int, text: String) -> SendResult {
        if (500..<600).contains(response) && result != CURLE_LOGIN_DENIED { return .permanent(text) }
        return .transient(text)
    }
}

/// The message being uploaded, read by libcurl in chunks.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

private let readCallback: hangar_curl_read_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let source = Unmanaged<UploadSource>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    guard length > 0 else { return 0 }
    source.bytes.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}
