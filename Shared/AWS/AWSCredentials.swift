import Foundation

/// An access key to sign requests with. Its `description` never shows the secret.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id (`AKIA…`, or `ASIA…` for temporary credentials); it appears in the `Authorization` header.
    public var accessKeyId: String
    /// The secret access key. It only derives the signing key: it is never sent, logged or shown.
    public var secretAccessKey: String
    /// For temporary credentials (STS): sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Creates credentials from an access key id, its secret and, for temporary credentials, a session token.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Names the access key id only; the secret shows as `<redacted>` and the session token not at all.
    public var description: String { "AWSCredentials(accessKeyId: \(accessKeyId), secret: <redacted>)" }

    /// Credentials the way the AWS tools find them: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
    /// and `AWS_SESSION_TOKEN` first; otherwise the profile `AWS_PROFILE` (default `default`) of
    /// the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`).
    public static func resolve(environment: [String: String]) throws(AWSError) -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw AWSError(.configuration, message: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token)
        }
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AWSError(
                .configuration,
                message: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or provide profile '\(profile)' in \(path)")
        }
        guard let credentials = fromProfile(profile, in: text) else {
            throw AWSError(.configuration, message: "profile '\(profile)' in \(path) has no aws_access_key_id and aws_secret_access_key")
        }
        return credentials
    }

    /// Reads `profile` from the text of a shared credentials file (INI: `[name]`, `key = value`).
    public static func fromProfile(_ profile: String, in text: String) -> AWSCredentials? {
        var section: String?
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                section = name
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else { return nil }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }
}
