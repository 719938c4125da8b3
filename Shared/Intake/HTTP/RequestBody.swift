import Foundation
import HangarContracts
import Hummingbird

/// Reads a JSON object body of at most `limit` bytes, or throws the problem to answer. An
/// empty body is refused (400): a client that meant the defaults sends `{}`; with
/// `allowEmpty` (a route whose body only adds to it) it reads as `{}`.
func jsonObject(_ request: Request, limit: Int = 64 * 1024, allowEmpty: Bool = false) async throws -> [String: JSONValue] {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: limit)
    } catch {
        throw Problem(.contentTooLarge, title: "Body too large", detail: "the body must be at most \(limit) bytes")
    }
    if buffer.readableBytes == 0 && allowEmpty { return [:] }
    guard buffer.readableBytes > 0 else {
        throw Problem(.badRequest, title: "Body required", detail: "the body must be a JSON object (send {} for the defaults)")
    }
    let value: JSONValue
    do {
        value = try HangarJSON.decoder.decode(JSONValue.self, from: Data(buffer: buffer))
    } catch {
        throw Problem(.badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
    }
    guard case .object(let object) = value else {
        throw Problem(.badRequest, title: "Malformed JSON", detail: "the body must be a JSON object")
    }
    return object
}
