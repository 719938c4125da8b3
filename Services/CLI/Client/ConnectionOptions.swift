import ArgumentParser
import Foundation
import HangarSettings

/// Where the API is and who calls it: flags, else HANGAR_API_URL and HANGAR_TOKEN.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("api-url"), help: "The API's base URL (default: HANGAR_API_URL, else http://127.0.0.1:8080).")
    var apiURL: String?

    @Option(help: "A bearer token (default: HANGAR_TOKEN).")
    var token: String?

    @Flag(help: "Print the API's JSON instead of tables, for scripts.")
    var json = false

    /// A client for these options; fails with usage when no token is known.
    func client() throws -> APIClient {
        let settings = SettingsReader()
        let url = apiURL ?? settings.string(.apiURL, default: "http://127.0.0.1:8080")
        guard let token = token ?? settings.string(.token) else {
            throw CLIError.usage("no token: pass --token or set HANGAR_TOKEN")
        }
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https", base.host != nil else {
            throw CLIError.usage("--api-url must be an http or https URL, got '\(url)'")
        }
        return APIClient(baseURL: url.hasSuffix("/") ? String(url.dropLast()) : url, token: token)
    }
}
