import Foundation
import HangarSettings

/// Where and how to reach the SMTP server, from a URL:
/// `smtp://user:password@host:port?starttls=required|optional|off&ca=/path.pem&insecure=1&connect_timeout=10&timeout=60`
/// or `smtps://…` (implicit TLS, port 465 by default). User and password are percent-decoded.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is secured: the URL's `starttls` parameter for `smtp://`, or TLS throughout for `smtps://`.
    public enum Security: String, Sendable, Equatable {
        /// Plain SMTP; STARTTLS must succeed or nothing is sent.
        case starttlsRequired = "required"
        /// Plain SMTP; STARTTLS when the server offers it.
        case starttlsOptional = "optional"
        /// Plain SMTP, never TLS.
        case none = "off"
        /// `smtps://`: TLS from the first byte.
        case implicitTLS = "smtps"
    }

    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port; when the URL names none, 587 for `smtp://` and 465 for `smtps://`.
    public var port: Int
    /// How the connection is secured; `starttlsRequired` by default for `smtp://`.
    public var security: Security
    /// The login name for SMTP AUTH, from the URL and percent-decoded; nil when the URL has none.
    public var username: String?
    /// The login password from the URL, percent-decoded; ``description`` leaves it out, so logs do not show it.
    public var password: String?
    /// A PEM file of CAs to trust instead of the system's (for a self-signed server).
    public var caFile: String?
    /// Skips certificate and host name verification (tests only).
    public var insecure: Bool
    /// How long connecting may take, in seconds (the URL's `connect_timeout`, 10 by default).
    public var connectTimeoutSeconds: Int
    /// How long one whole transfer may take, in seconds (the URL's `timeout`, 60 by default).
    public var timeoutSeconds: Int

    /// Creates settings from explicit values; ``init(url:)`` reads them from `HANGAR_SMTP_URL`.
    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, caFile: String? = nil,
        insecure: Bool = false, connectTimeoutSeconds: Int = 10, timeoutSeconds: Int = 60
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.insecure = insecure
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// Parses a `smtp://` or `smtps://` URL (`HANGAR_SMTP_URL`). Throws a ``SettingError`` that
    /// says what is wrong without the URL, which may hold a password.
    public init(url text: String) throws(SettingError) {
        func invalid(_ accepted: String) -> SettingError { SettingError(Setting.smtpURL.name, accepts: accepted) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps"
        else { throw invalid("an smtp:// or smtps:// URL") }
        guard let host = components.host, !host.isEmpty else { throw invalid("a URL with a host") }
        self.host = host
        self.port = components.port ?? (scheme == "smtps" ? 465 : 587)
        self.username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var security: Security = scheme == "smtps" ? .implicitTLS : .starttlsRequired
        var caFile: String?
        var insecure = false
        var connectTimeout = 10
        var timeout = 60
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "starttls":
                guard scheme == "smtp" else { throw invalid("a URL whose starttls is with smtp:// only (smtps:// is TLS throughout)") }
                guard let choice = Security(rawValue: value), choice != .implicitTLS else {
                    throw invalid("a URL whose starttls is required, optional or off, not '\(value)'")
                }
                security = choice
            case "ca": caFile = value.isEmpty ? nil : value
            case "insecure": insecure = ["1", "true", "yes"].contains(value.lowercased())
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw invalid("a URL whose connect_timeout is seconds > 0") }
                connectTimeout = seconds
            case "timeout":
                guard let seconds = Int(value), seconds > 0 else { throw invalid("a URL whose timeout is seconds > 0") }
                timeout = seconds
            default:
                throw invalid("a URL with the parameters starttls, ca, insecure, connect_timeout, timeout only, not '\(item.name)'")
            }
        }
        self.security = security
        self.caFile = caFile
        self.insecure = insecure
        self.connectTimeoutSeconds = connectTimeout
        self.timeoutSeconds = timeout
    }

    /// The URL libcurl connects to, without credentials.
    var curlURL: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(security == .implicitTLS ? "smtps" : "smtp")://\(bracketed):\(port)"
    }

    /// Loggable: no password.
    public var description: String {
        "\(curlURL) (tls: \(security.rawValue)\(username.map { ", user \($0)" } ?? "")\(insecure ? ", insecure" : ""))"
    }
}
