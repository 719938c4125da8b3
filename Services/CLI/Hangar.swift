import ArgumentParser

/// `hangar`: Hangar from a terminal or a script, over the HTTP API.
///
/// Exit codes (see ``ExitStatus``): 0 done, 1 the deployment failed, 2 it was cancelled or
/// rejected, 3 the API refused the request, 4 the API could not be reached or failed,
/// 64 bad usage.
@main
struct Hangar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hangar",
        abstract: "Publish new versions of scaling environments with Hangar.",
        discussion: """
            The API URL and token come from --api-url / --token or HANGAR_API_URL / HANGAR_TOKEN.
            --json prints the API's JSON, for scripts.

            Exit codes: 0 done; 1 the deployment failed; 2 it was cancelled or rejected;
            3 the API refused the request (bad input, unknown id, not allowed);
            4 the API could not be reached or failed; 64 bad usage.
            """,
        version: "0.6.0",
        subcommands: [
            Environments.self, Deploy.self, Rollback.self, Watch.self, History.self, Show.self, Cancel.self, Approve.self, Reject.self, Resume.self,
            Queues.self,
            Servers.self,
            DeadLetters.self,
            Workers.self, Audit.self, Freezes.self, Schedules.self,
        ])
}
