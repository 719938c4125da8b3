import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The API's responses the end-to-end tests see, one JSON object per line, when
/// `HANGAR_TEST_RESPONSE_LOG` names a file; `deploy/api/validate-responses.py` then checks each
/// against `Shared/Intake/openapi.yaml` (`deploy/test.sh` does both).
///
/// Only the API's own paths are kept (`/v1/…`, `/openapi.json`, `/health/…`), not the console's
/// files. Every line is appended with one `write`, so tests running in parallel do not interleave.
public final class ResponseLog: Sendable {
    /// The log `HANGAR_TEST_RESPONSE_LOG` names, or nil when it is unset.
    public static let shared: ResponseLog? = ProcessInfo.processInfo.environment["HANGAR_TEST_RESPONSE_LOG"]
        .flatMap { $0.isEmpty ? nil : ResponseLog(path: $0) }

    private let descriptor: Mutex<Int32>

    /// Opens (or creates) the file at `path` for appending.
    public init?(path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return nil }
        self.descriptor = Mutex(descriptor)
    }

    /// Appends one response to `request`: its method and URL, the answer's status and content type, and `body`.
    public func record(_ request: URLRequest, _ response: URLResponse?, body: Data) {
        let http = response as? HTTPURLResponse
        let method = request.httpMethod ?? "GET"
        let status = http?.statusCode ?? 0
        let contentType = http?.value(forHTTPHeaderField: "Content-Type")
        guard let url = request.url, let parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return }
        let path = parts.percentEncodedPath
        guard path.hasPrefix("/v1/") || path == "/openapi.json" || path.hasPrefix("/health/") else { return }
        let entry: [String: Any] = [
            "method": method, "path": path, "query": parts.percentEncodedQuery ?? "", "status": status,
            "contentType": contentType ?? "", "body": String(decoding: body, as: UTF8.self),
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) else { return }
        line.append(UInt8(ascii: "\n"))
        descriptor.withLock { descriptor in
            _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }
    }
}
