import Foundation

extension AWSQueryClient {
    /// Runs `action` of a JSON-protocol `service` (one with a ``AWSService/jsonTargetPrefix``):
    /// `input` encoded as the request's JSON body, the answer decoded as `Output`; retriable
    /// failures are tried again. Error answers (`{"__type": …, "message": …}`) become ``AWSError``s.
    public func callJSON<Output: Decodable>(
        _ service: AWSService, _ action: String, _ input: some Encodable & Sendable
    )
        async throws(AWSError) -> Output
    {
        guard let prefix = service.jsonTargetPrefix else {
            throw AWSError(.configuration, message: "\(service.name) is not a JSON-protocol service", action: action)
        }
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(input))
        } catch {
            throw AWSError(.configuration, message: "the request could not be encoded: \(error)", action: action)
        }
        let headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(prefix).\(action)")]
        return try await retrying(action) { () throws(AWSError) in
            let (data, status) = try await post(service, action, headers: headers, body: body)
            return try Self.interpretJSON(data: data, status: status, action: action)
        }
    }

    /// Turns a JSON-protocol answer into `Output`, or the ``AWSError`` it reports.
    public static func interpretJSON<Output: Decodable>(data: Data, status: Int, action: String) throws(AWSError) -> Output {
        guard (200..<300).contains(status) else {
            guard let answer = try? JSONDecoder().decode(AWSJSONErrorAnswer.self, from: data), let type = answer.__type else {
                throw AWSError(
                    status >= 500 ? .server : .unexpectedResponse, message: "HTTP \(status) without an AWS JSON error",
                    httpStatus: status, action: action)
            }
            // `__type` may be qualified: `com.amazonaws.ssm#InvalidInstanceId`.
            let awsCode = type.split(separator: "#").last.map(String.init) ?? type
            throw AWSError(
                AWSError.classify(awsCode: awsCode, httpStatus: status), awsCode: awsCode,
                message: answer.message ?? answer.Message ?? "no message", httpStatus: status, action: action)
        }
        do {
            return try JSONDecoder().decode(Output.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            let snippet = String(decoding: data.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw AWSError(
                .unexpectedResponse, message: "the answer is not the expected JSON (\(data.count) bytes: \(snippet))", httpStatus: status,
                action: action)
        }
    }
}

/// A JSON-protocol error answer.
private struct AWSJSONErrorAnswer: Decodable {
    var __type: String?
    var message: String?
    var Message: String?
}
