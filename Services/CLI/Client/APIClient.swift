import AsyncHTTPClient
import Foundation
import HangarContracts
import NIOCore
import NIOHTTP1

/// Calls Hangar's HTTP API v1 with a bearer token; answers decoded, problems as ``CLIError``.
struct APIClient: Sendable {
    let baseURL: String
    let token: String
    var timeout: TimeAmount = .seconds(30)

    /// The raw answer to a request: status and body.
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    /// Sends a request; a 4xx becomes ``CLIError/refused``, a 5xx or no answer ``CLIError/unreachable``.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.cli.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw CLIError.unreachable("cannot reach the API at \(baseURL): \(error)")
        }
        let data = Data(bytes.readableBytesView)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else { throw Self.problem(status: status, body: data) }
        return Answer(status: status, body: data)
    }

    /// Sends a request and decodes its JSON answer.
    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> (T, Data) {
        let answer = try await send(.GET, path)
        return (try decode(type, answer.body), answer.body)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try HangarJSON.decoder.decode(type, from: data)
        } catch {
            throw CLIError.unreachable("the API answered something unexpected: \(error)")
        }
    }

    /// A problem+json answer (or any other error answer) as a ``CLIError``.
    static func problem(status: Int, body: Data) -> CLIError {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        let title = object["title"] as? String ?? HTTPResponseStatus(statusCode: status).reasonPhrase
        let detail = object["detail"] as? String
        let errors = (object["errors"] as? [[String: Any]] ?? []).map {
            (field: $0["field"] as? String ?? "?", message: $0["message"] as? String ?? "")
        }
        if status >= 500 { return .unreachable("the API failed: \(title) (HTTP \(status))\(detail.map { ": \($0)" } ?? "")") }
        return .refused(status: status, title: title, detail: detail, errors: errors)
    }

    /// Percent-encodes one path segment (an environment name or id).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
