/// Something went wrong talking to AWS: the service answered an error, the answer was not what
/// an AWS API answers, or the request never got an answer.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable { case service, throttling, server, unexpectedResponse, transport, configuration, unsupported }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The service refused the request (`InvalidParameterValue`, `AccessDenied`…).
        public static let service = Code(.service)
        /// Too many requests (`Throttling`, `RequestLimitExceeded`…): retriable.
        public static let throttling = Code(.throttling)
        /// An AWS-formatted 5xx answer (`InternalError`, `Unavailable`): retriable.
        public static let server = Code(.server)
        /// The answer is not an AWS XML document (an HTML error page, a proxy's answer…).
        public static let unexpectedResponse = Code(.unexpectedResponse)
        /// No answer: connection refused, timeout, TLS: retriable.
        public static let transport = Code(.transport)
        /// Missing or bad local configuration (credentials, endpoint, region).
        public static let configuration = Code(.configuration)
        /// The endpoint does not implement the operation (some emulators).
        public static let unsupported = Code(.unsupported)

        /// The kind's name, e.g. `throttling`.
        public var description: String { kind.rawValue }
    }

    /// What kind of failure it is; it decides ``isRetriable``.
    public var code: Code
    /// The AWS error code (`InvalidInstanceID.NotFound`…), when the service gave one.
    public var awsCode: String?
    /// What went wrong: the service's message, or one written here when AWS gave none (no answer, bad configuration…).
    public var message: String
    /// The HTTP status of the answer; `nil` when no answer came (transport and configuration errors).
    public var httpStatus: Int?
    /// The request id of an XML error answer (`RequestID` or `RequestId`), to quote to AWS support; `nil` when none was given.
    public var requestId: String?
    /// The API action that failed, e.g. `CreateImage`.
    public var action: String?

    /// Creates an error of kind `code`; the other fields hold what is known about the failure.
    public init(
        _ code: Code, awsCode: String? = nil, message: String, httpStatus: Int? = nil, requestId: String? = nil, action: String? = nil
    ) {
        self.code = code
        self.awsCode = awsCode
        self.message = message
        self.httpStatus = httpStatus
        self.requestId = requestId
        self.action = action
    }

    /// Whether trying again later may succeed.
    public var isRetriable: Bool { code == .throttling || code == .server || code == .transport }

    /// AWS error codes that mean "slow down".
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "SlowDown", "EC2ThrottledException", "PriorRequestNotComplete",
    ]
    /// AWS error codes that mean "this endpoint does not have that operation".
    static let unsupportedCodes: Set<String> = ["InvalidAction", "UnknownOperationException", "NotImplemented", "UnsupportedOperation"]

    /// Classifies an AWS-formatted error answer.
    static func classify(awsCode: String, httpStatus: Int) -> Code {
        if throttlingCodes.contains(awsCode) || httpStatus == 429 { return .throttling }
        if unsupportedCodes.contains(awsCode) { return .unsupported }
        if httpStatus >= 500 { return .server }
        return .service
    }

    /// `<action>: <awsCode>: <message> (HTTP <status>, request <id>)`, leaving out the parts that are unknown.
    public var description: String {
        var text = action.map { "\($0): " } ?? ""
        if let awsCode { text += "\(awsCode): " }
        text += message
        if let httpStatus { text += " (HTTP \(httpStatus)" + (requestId.map { ", request \($0)" } ?? "") + ")" }
        return text
    }
}
