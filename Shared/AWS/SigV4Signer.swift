import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for one service in one region.
///
/// It signs the headers it is given plus `host` and `x-amz-date` (and `x-amz-security-token`
/// for temporary credentials) and adds `Authorization`. Nothing here logs.
public struct SigV4Signer: Sendable {
    /// The key the requests are signed with.
    public var credentials: AWSCredentials
    /// The region of the credential scope, e.g. `eu-west-1`.
    public var region: String
    /// The service's signing name in the credential scope, e.g. `ec2`.
    public var service: String

    /// Creates a signer for `service` in `region` with `credentials`.
    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A request to sign: the query is given as decoded name/value pairs.
    public struct Request: Sendable {
        /// The HTTP method, e.g. `POST`.
        public var method: String
        /// The `Host` header's value: the endpoint's host, with `:port` when the endpoint has one.
        public var host: String
        /// The URL path before percent-encoding; `/` by default.
        public var path: String
        /// The query parameters as decoded name/value pairs.
        public var query: [(String, String)]
        /// The headers to sign and send besides `Host`, `X-Amz-Date` and the session token.
        public var headers: [(String, String)]
        /// The request body; its SHA-256 hash goes into the canonical request.
        public var body: [UInt8]

        /// Creates a request to sign; by default for the path `/`, with no query, headers or body.
        public init(
            method: String, host: String, path: String = "/", query: [(String, String)] = [],
            headers: [(String, String)] = [], body: [UInt8] = []
        ) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    /// The headers to send: `request.headers`, `Host`, `X-Amz-Date`, the session token if any,
    /// and `Authorization`.
    public func sign(_ request: Request, at date: Date) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        var headers = request.headers
        headers.append(("Host", request.host))
        headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        let parts = canonical(request, headers: headers)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(parts.request.utf8)))]
            .joined(separator: "\n")
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(day: String(amzDate.prefix(8)))))
        headers.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(parts.signedHeaders), Signature=\(signature)"
            ))
        return headers
    }

    /// The canonical request (step 1 of the algorithm) and the signed header names.
    public func canonical(_ request: Request, headers: [(String, String)]) -> (request: String, signedHeaders: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encoded: [(name: String, value: String)] = request.query.map { (Self.percentEncode($0.0), Self.percentEncode($0.1)) }
        let sorted = encoded.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        let query = sorted.map { (pair: (name: String, value: String)) -> String in pair.name + "=" + pair.value }.joined(separator: "&")
        let path = request.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { Self.percentEncode(String($0)) }.joined(separator: "/")
        let text = [
            request.method, path.isEmpty ? "/" : path, query, canonicalHeaders, signedHeaders,
            Self.hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// The derived key for `day` (`yyyyMMdd`).
    public func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        let secret = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        return hmac(hmac(hmac(hmac(secret, day), region), service), "aws4_request")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// RFC 3986 encoding as SigV4 and the Query API want it: only `A-Z a-z 0-9 - _ . ~` stay.
    public static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
