import ArgumentParser
import Foundation
import HangarContracts

/// `hangar workers`: each worker heard from in the last hour, what it runs, when it last said so.
struct Workers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the workers: concurrency, the steps each runs, when each was last heard from.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let (list, raw) = try await connection.client().get("/v1/workers", as: WorkerList.self)
            if connection.json { return printJSON(raw) }
            var table = Table("NAME", "BUSY", "RUNNING", "LAST SEEN")
            for worker in list.items {
                let running = worker.running.map {
                    "\($0.environmentName) \($0.step.rawValue) (\($0.deploymentId.lowercasedString.prefix(8)))"
                }
                table.add(
                    worker.name, "\(worker.running.count)/\(worker.concurrency)", running.isEmpty ? "-" : running.joined(separator: ", "),
                    "\(Int(-worker.lastSeenAt.timeIntervalSinceNow)) s ago")
            }
            print(list.items.isEmpty ? "No workers heard from in the last hour" : table.render(style: Style.standard))
        }
    }
}
