import Foundation
import HTTPTypes
import Hummingbird

/// The web console's static files (HTML, CSS, ES modules: no build step), read into memory
/// once at start and served under `/console/`.
///
/// Where they are looked for: ``BundledResources`` (`HANGAR_CONSOLE_DIR`, then the
/// `Console` resources next to the executable, then the source tree).
struct ConsoleFiles: Sendable {
    struct File: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }

    let directory: String?
    private let files: [String: File]

    init(directory explicit: String?) {
        let found = BundledResources.directory(named: "Console", containing: "index.html", explicit: explicit)
        directory = found
        var files: [String: File] = [:]
        if let found, let enumerator = FileManager.default.enumerator(atPath: found) {
            while let relative = enumerator.nextObject() as? String {
                let path = "\(found)/\(relative)"
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                files[relative] = File(contentType: Self.contentType(of: relative), bytes: ByteBuffer(bytes: data))
            }
        }
        self.files = files
    }

    var isEmpty: Bool { files.isEmpty }

    func response(for path: String) throws -> Response {
        guard let file = files[path] else {
            throw Problem(
                .notFound, title: "Not found",
                detail: files.isEmpty
                    ? "the console's files were not found; set HANGAR_CONSOLE_DIR to the Console folder" : "no console file '\(path)'")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .cacheControl: "no-cache",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: file.bytes))
    }

    static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
