import AsyncHTTPClient
import Foundation
import Logging

/// An AWS service spoken to through the Query API (form-encoded POST, XML answers) or, when it
/// has a ``jsonTargetPrefix``, the JSON protocol (`X-Amz-Target`, JSON in and out).
public struct AWSService: Sendable, Hashable {
    /// The signing name and endpoint prefix, e.g. `ec2`.
    public var name: String
    /// The API version sent as `Version`.
    public var version: String

    /// The JSON protocol's target prefix, e.g. `AmazonSSM` (`X-Amz-Target: AmazonSSM.SendCommand`).
    public var jsonTargetPrefix: String?

    /// Creates a service description; ``ec2``, ``autoScaling``, ``loadBalancing`` and ``systemsManager`` are the ones Hangar uses.
    public init(name: String, version: String, jsonTargetPrefix: String? = nil) {
        self.name = name
        self.version = version
        self.jsonTargetPrefix = jsonTargetPrefix
    }

    /// EC2 (instances, AMIs, launch templates): Query API, version 2016-11-15.
    public static let ec2 = AWSService(name: "ec2", version: "2016-11-15")
    /// EC2 Auto Scaling (groups, instance refreshes): Query API, version 2011-01-01.
    public static let autoScaling = AWSService(name: "autoscaling", version: "2011-01-01")
    /// Elastic Load Balancing v2 (target groups): Query API, version 2015-12-01.
    public static let loadBalancing = AWSService(name: "elasticloadbalancing", version: "2015-12-01")
    /// Systems Manager (Run Command): JSON protocol, target prefix `AmazonSSM`.
    public static let systemsManager = AWSService(name: "ssm", version: "2014-11-06", jsonTargetPrefix: "AmazonSSM")
}

/// Where and as whom the client talks to AWS.
public struct AWSClientConfiguration: Sendable {
    /// The region, e.g. `eu-west-1`.
    public var region: String
    /// Sends every service's requests to this URL instead of AWS (an emulator such as moto).
    public var endpointOverride: URL?
    /// How the credentials are found; asked on each request, so a worker can start without them.
    public var credentials: @Sendable () throws(AWSError) -> AWSCredentials
    /// How many times a retriable failure (throttling, 5xx, no answer) is tried in all. Default 3.
    public var maxAttempts: Int = 3
    /// The first pause before trying again; it doubles each time. Default 200 ms.
    public var retryBackoff: Duration = .milliseconds(200)
    /// How long one request may take. Default 30 s.
    public var timeout: Duration = .seconds(30)

    /// Creates a configuration for `region` whose requests are signed with what `credentials`
    /// answers (for example ``AWSCredentials/resolve(environment:)`` on the variables the caller
    /// read); `maxAttempts`, `retryBackoff` and `timeout` start at their defaults.
    public init(
        region: String, endpointOverride: URL? = nil,
        credentials: @escaping @Sendable () throws(AWSError) -> AWSCredentials
    ) {
        self.region = region
        self.endpointOverride = endpointOverride
        self.credentials = credentials
    }

    /// The endpoint override from `HANGAR_AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL`, if set.
    public static func endpointOverride(environment: [String: String]) -> URL? {
        for name in ["HANGAR_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"] {
            if let value = environment[name], !value.isEmpty, let url = URL(string: value) { return url }
        }
        return nil
    }
}

/// Calls Query API actions, signed with SigV4, and hands back the parsed XML answer.
///
/// Error answers become ``AWSError``s; an answer that is not an AWS XML document (an HTML error
/// page, for example) is an error too, never parsed as a result. Credentials, signatures and
/// request bodies are never logged.
public struct AWSQueryClient: Sendable {
    /// Where and as whom this client talks to AWS, and how it retries and times out.
    public let configuration: AWSClientConfiguration
    private let http: HTTPClient
    private let logger: Logger

    /// Creates a client that sends its requests through `httpClient` and logs each call (service, action, status,
    /// duration) and each retry at debug level to `logger`.
    public init(configuration: AWSClientConfiguration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = httpClient
        self.logger = logger
    }

    /// The URL requests to `service` go to.
    public func endpoint(of service: AWSService) -> URL {
        configuration.endpointOverride ?? URL(string: "https://\(service.name).\(configuration.region).amazonaws.com/")!
    }

    /// Runs `action` with `parameters` (besides `Action` and `Version`), trying retriable
    /// failures again, and answers the root element of the XML answer.
    public func call(_ service: AWSService, _ action: String, _ parameters: [String: String] = [:]) async throws(AWSError) -> AWSXML {
        try await retrying(action) { () throws(AWSError) in try await callOnce(service, action, parameters) }
    }

    /// Runs `body`, trying it again after a retriable failure, up to `maxAttempts` in all.
    func retrying<T>(_ action: String, _ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch  where error.isRetriable && attempt < configuration.maxAttempts {
                logger.debug(
                    "aws.retry", metadata: ["aws.action": "\(action)", "aws.attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: configuration.retryBackoff * (1 << (attempt - 1)))
                attempt += 1
            }
        }
    }

    private func callOnce(_ service: AWSService, _ action: String, _ parameters: [String: String]) async throws(AWSError) -> AWSXML {
        var fields = parameters
        fields["Action"] = action
        fields["Version"] = service.version
        let body = fields.sorted { $0.key < $1.key }
            .map { "\(SigV4Signer.percentEncode($0.key))=\(SigV4Signer.percentEncode($0.value))" }
            .joined(separator: "&")
        let (data, status) = try await post(
            service, action, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(body.utf8))
        return try Self.interpret(data: data, status: status, action: action)
    }

    /// Signs and posts `body` to `service`'s endpoint; answers the body and the HTTP status.
    func post(
        _ service: AWSService, _ action: String, headers extra: [(String, String)], body bytes: [UInt8]
    )
        async throws(AWSError) -> (Data, Int)
    {
        let credentials = try configuration.credentials()
        let url = endpoint(of: service)
        guard let host = url.host else { throw AWSError(.configuration, message: "the endpoint \(url) has no host", action: action) }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let signer = SigV4Signer(credentials: credentials, region: configuration.region, service: service.name)
        let headers = signer.sign(
            .init(method: "POST", host: hostHeader, path: url.path.isEmpty ? "/" : url.path, headers: extra, body: bytes),
            at: Date())

        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(bytes)

        let started = ContinuousClock.now
        let status: Int
        var data = Data()
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(configuration.timeout.components.seconds)))
            status = Int(response.status.code)
            for try await buffer in response.body {
                data.append(contentsOf: buffer.readableBytesView)
                if data.count > 16 << 20 { throw AWSError(.unexpectedResponse, message: "answer larger than 16 MiB", action: action) }
            }
        } catch let error as AWSError {
            throw error
        } catch {
            throw AWSError(.transport, message: "no answer from \(url.absoluteString): \(error)", action: action)
        }
        logger.debug(
            "aws.call",
            metadata: [
                "aws.service": "\(service.name)", "aws.action": "\(action)", "aws.status": "\(status)",
                "aws.duration": "\(ContinuousClock.now - started)",
            ])
        return (data, status)
    }

    /// What an answer that is not AWS XML means: a gateway's 502, 503 or 504 (a proxy or load
    /// balancer in front of the endpoint) may pass when tried again, as may a 429; a 501 says the
    /// endpoint lacks the operation; anything else (an emulator's 500 page, a 200 of HTML) is not
    /// understood, and trying again would not help.
    static func nonXMLCode(status: Int) -> AWSError.Code {
        switch status {
        case 502, 503, 504: return .server
        case 429: return .throttling
        case 501: return .unsupported
        default: return .unexpectedResponse
        }
    }

    /// Turns an HTTP answer into the XML root, or the ``AWSError`` it reports.
    public static func interpret(data: Data, status: Int, action: String) throws(AWSError) -> AWSXML {
        guard let root = AWSXML.parse(data), root.name.lowercased() != "html" else {
            let snippet = String(decoding: data.prefix(120), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            throw AWSError(
                nonXMLCode(status: status), message: "the answer is not an AWS XML document (\(data.count) bytes: \(snippet))",
                httpStatus: status, action: action)
        }
        // EC2: <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
        // Auto Scaling: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
        let error: AWSXML? = root.name == "Error" ? root : (root.node("Errors", "Error") ?? root.child("Error"))
        if let error, !(200..<300).contains(status) || root.name == "Response" || root.name == "ErrorResponse" {
            let awsCode = error.string("Code") ?? "Unknown"
            throw AWSError(
                AWSError.classify(awsCode: awsCode, httpStatus: status), awsCode: awsCode,
                message: error.string("Message") ?? "no message", httpStatus: status,
                requestId: root.string("RequestID") ?? root.string("RequestId"), action: action)
        }
        guard (200..<300).contains(status) else {
            throw AWSError(
                status >= 500 ? .server : .unexpectedResponse, message: "HTTP \(status) with an XML answer of no known error shape",
                httpStatus: status, action: action)
        }
        return root
    }
}
