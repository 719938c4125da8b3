import Foundation
import HangarSettings
import Hummingbird

/// What a token may do: viewer < deployer < admin.
public enum Role: String, Codable, Sendable, Comparable, CaseIterable {
    case viewer, deployer, admin

    /// Orders roles by what they allow: a role includes every role before it.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A bearer token from configuration: its secret, its role and the name that becomes the
/// owner of what it submits.
public struct APIToken: Sendable, Equatable {
    /// The token's name: the caller's name in the audit log and the owner of the deployments it submits.
    public var name: String
    /// What the token may do.
    public var role: Role
    /// The bearer value clients send in `Authorization: Bearer`; at least 8 characters. Never printed (see ``description``).
    public var secret: String

    /// Creates a token; ``parse(_:)`` reads them from `HANGAR_TOKENS`.
    public init(name: String, role: Role, secret: String) {
        self.name = name
        self.role = role
        self.secret = secret
    }

    /// Parses `name:role:secret` entries separated by commas (`HANGAR_TOKENS`).
    public static func parse(_ text: String) throws(SettingError) -> [APIToken] {
        try text.split(separator: ",").map { entry throws(SettingError) in
            let parts = entry.split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, !parts[0].isEmpty, let role = Role(rawValue: parts[1]), parts[2].count >= 8 else {
                throw SettingError(
                    Setting.tokens.name, accepts: "name:role:secret entries with role viewer, deployer or admin and a secret of 8+ characters")
            }
            return APIToken(name: parts[0], role: role, secret: parts[2])
        }
    }
}

/// The caller, once authenticated.
struct Caller: Sendable {
    var name: String
    var role: Role
}

/// Checks `Authorization: Bearer <token>` against the configured tokens.
struct Authenticator: Sendable {
    private let tokens: [String: APIToken]

    init(tokens: [APIToken]) {
        self.tokens = Dictionary(tokens.map { ($0.secret, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func authenticate(_ request: Request, requiring role: Role) throws -> Caller {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem(
                .unauthorized, title: "Authentication required", detail: "send Authorization: Bearer <token>",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return try check(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), requiring: role)
    }

    /// For Server-Sent Events: the `Authorization` header, or else the `access_token` query
    /// parameter (a browser's `EventSource` cannot send headers). The token then shows in
    /// URLs (and any access log), so keep such logs private; intake itself does not log URLs.
    func authenticateStream(_ request: Request, requiring role: Role) throws -> Caller {
        if request.headers[.authorization] == nil, let secret = request.uri.queryParameters.get("access_token"), !secret.isEmpty {
            return try check(secret, requiring: role)
        }
        return try authenticate(request, requiring: role)
    }

    /// Who sent the request, when its `Authorization` header names a valid token (for the
    /// audit log: no role is required, nothing is thrown).
    func identify(_ request: Request) -> Caller? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return tokens[String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)].map { Caller(name: $0.name, role: $0.role) }
    }

    private func check(_ secret: String, requiring role: Role) throws -> Caller {
        guard let token = tokens[secret] else {
            throw Problem(.unauthorized, title: "Invalid token", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        guard token.role >= role else {
            throw Problem(
                .forbidden, title: "Not allowed", detail: "this needs the \(role.rawValue) role; the token '\(token.name)' is \(token.role.rawValue)")
        }
        return Caller(name: token.name, role: token.role)
    }
}

extension APIToken: CustomStringConvertible, CustomDebugStringConvertible {
    /// `deployer (deployer)`: the name and role, never the secret (logs print values).
    public var description: String { "\(name) (\(role.rawValue))" }
    /// The same as ``description``: the name and role, never the secret.
    public var debugDescription: String { description }
}
