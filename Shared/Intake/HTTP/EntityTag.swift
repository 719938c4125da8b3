import Foundation
import HTTPTypes
import Hummingbird

/// Entity tags for the history's reads, so pollers (the console, the CLI, scripts) are
/// answered `304 Not Modified` without the body being read or encoded again.
///
/// A tag names a revision the recorder counts up with every change it makes (see
/// `HistoryQueries.revision(ofEnvironment:)`), so it is compared before the rest is read.
/// Tags are weak: the JSON is equivalent, not necessarily byte for byte the same.
enum EntityTag {
    /// The tag of a representation at `revision`; `kind` keeps the tags of different
    /// resources apart.
    /// `Cache-Control` of a tagged representation: browsers ask again each time, with the tag.
    static let cacheControl = "no-cache"

    static func revision(_ kind: String, _ revision: Int64) -> String { #"W/"\#(kind)\#(revision)""# }

    /// Whether an `If-None-Match` header names `tag`: `*`, or a list of tags one of which is
    /// the same once `W/` is set aside (RFC 9110's weak comparison).
    static func matches(ifNoneMatch header: String?, _ tag: String) -> Bool {
        guard let header else { return false }
        let wanted = opaque(tag)
        for candidate in header.split(separator: ",") {
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            if trimmed == "*" || opaque(trimmed) == wanted { return true }
        }
        return false
    }

    /// The quoted part of a tag, without `W/`.
    private static func opaque(_ tag: some StringProtocol) -> Substring {
        let text = Substring(tag)
        return text.hasPrefix("W/") ? text.dropFirst(2) : text
    }

    /// The response for a representation tagged `tag`: `304` with the tag when the request's
    /// `If-None-Match` names it, otherwise what `body` builds with the tag added.
    /// `Cache-Control: no-cache` has browsers ask again each time, with the tag.
    static func respond(to request: Request, tag: String, _ body: () async throws -> Response) async throws -> Response {
        if matches(ifNoneMatch: request.headers[.ifNoneMatch], tag) { return notModified(tag) }
        var response = try await body()
        response.headers[.eTag] = tag
        response.headers[.cacheControl] = cacheControl
        return response
    }

    /// `304 Not Modified` for a representation tagged `tag`, with the tag and `Cache-Control`.
    static func notModified(_ tag: String) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = tag
        headers[.cacheControl] = cacheControl
        return Response(status: .notModified, headers: headers)
    }
}
