import Foundation

/// Where and how to reach the SMTP server, from a URL:
/// `smtp://user:password@host:port?starttls=required|optional|off&ca=/path.pem&insecure=1&connect_timeout=10&timeout=60`
/// or `smtps://…` (implicit TLS, port 465 by default). User and password are percent-decoded.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
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

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of CAs to trust instead of the system's (for a self-signed server).
    public var caFile: String?
    /// Skips certificate and host name verification (tests only).
    public var insecure: Bool
    public var connectTimeoutSeconds: Int
    public var timeoutSeconds: Int

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

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses a `smtp://` or `smtps://` URL.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps"
        else { throw Invalid(description: "HANGAR_SMTP_URL must be an smtp:// or smtps:// URL") }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "HANGAR_SMTP_URL has no host") }
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
                guard scheme == "smtp" else { throw Invalid(description: "starttls applies to smtp:// only (smtps:// is TLS throughout)") }
                guard let choice = Security(rawValue: value), choice != .implicitTLS else {
                    throw Invalid(description: "starttls must be required, optional or off; got '\(value)'")
                }
                security = choice
            case "ca": caFile = value.isEmpty ? nil : value
            case "insecure": insecure = ["1", "true", "yes"].contains(value.lowercased())
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw Invalid(description: "connect_timeout must be seconds > 0") }
                connectTimeout = seconds
            case "timeout":
                guard let seconds = Int(value), seconds > 0 else { throw Invalid(description: "timeout must be seconds > 0") }
                timeout = seconds
            default:
                throw Invalid(description: "unknown HANGAR_SMTP_URL parameter '\(item.name)'")
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
