import Foundation
import HangarContracts
import OpenAPIRuntime

/// How the generated operations encode and decode: Hangar's JSON (RFC 3339 dates with
/// milliseconds, sorted keys, slashes unescaped), as `HangarJSON` and every hand-made route.
enum OperationCoding {
    /// The generated server's configuration.
    static let configuration = Configuration(dateTranscoder: HangarDateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
}

/// RFC 3339 dates as `HangarJSON` writes and reads them.
struct HangarDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { HangarJSON.formatDate(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = HangarJSON.parseDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 date"))
        }
        return date
    }
}
