import ArgumentParser
import Foundation
import HangarContracts

/// `hangar history ENV`: the environment's deployments, newest first.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List an environment's deployments, newest first.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The environment's name or id.") var environment: String
    @Option(help: "Only this status (scheduled, queued, running, succeeded, failed, cancelled, rejected).") var status: String?
    @Option(help: "How many (1 to 100).") var limit = 20
    @Option(help: "The page after this cursor (printed at the end of a page).") var cursor: String?

    func run() async throws {
        try await reportingErrors {
            var query = ["limit=\(limit)"]
            if let status { query.append("status=\(APIClient.segment(status))") }
            if let cursor { query.append("cursor=\(APIClient.segment(cursor))") }
            let client = try connection.client()
            let (page, raw) = try await client.get(
                "/v1/environments/\(APIClient.segment(environment))/deployments?\(query.joined(separator: "&"))", as: HistoryPage.self)
            if connection.json { return printJSON(raw) }
            let style = Style.standard
            var table = Table("ID", "DATE", "VERSION", "OWNER", "STATUS", "STEPS", "DURATION")
            for item in page.items {
                let steps = item.steps.map { style.step($0.status) }.joined()
                table.add(
                    Format.id(item.id), Format.date(item.startedAt ?? item.scheduledAt ?? item.createdAt),
                    (item.version ?? "") + (item.kind == .rollback ? " (rollback)" : ""),
                    item.owner ?? "", style.status(item.status), steps, Format.duration(item.durationMs))
            }
            print(page.items.isEmpty ? "No deployments." : table.render(style: style))
            if let next = page.nextCursor { print(style.dim("more: hangar history \(environment) --cursor \(next)")) }
        }
    }
}
