/// How an operator connects to one of an environment's servers: the answer of
/// `GET /v1/environments/{env}/servers/{server}/connection`.
public struct ServerConnection: Codable, Sendable, Equatable {
    /// A command to run on the operator's own machine.
    public struct Command: Codable, Sendable, Equatable {
        /// `shell` (a terminal on the server) or `rdp` (a local port forwarded to its remote desktop).
        public var purpose: String
        /// The command line to paste into a terminal.
        public var command: String
        /// What to do once it runs, if anything (e.g. where to point the RDP client).
        public var then: String?

        /// Creates a command.
        public init(purpose: String, command: String, then: String? = nil) {
            self.purpose = purpose
            self.command = command
            self.then = then
        }
    }

    /// The environment's name.
    public var environment: String
    /// The provider's id of the server (an EC2 instance id on `aws`).
    public var serverId: String
    /// The server's name, as the provider lists it.
    public var serverName: String
    /// The environment's provider (`aws`, `simulated`), which decides how to connect.
    public var provider: String
    /// `true` on the simulated provider: there is nothing to connect to, and ``commands`` is empty.
    public var simulated: Bool
    /// The ways to connect, one per purpose: on `aws` a `shell`, plus `rdp` for a Windows server. Empty when the
    /// provider offers none.
    public var commands: [Command]
    /// What the commands need, or why there are none.
    public var note: String

    /// Creates the answer for one server.
    public init(
        environment: String, serverId: String, serverName: String, provider: String, simulated: Bool, commands: [Command], note: String
    ) {
        self.environment = environment
        self.serverId = serverId
        self.serverName = serverName
        self.provider = provider
        self.simulated = simulated
        self.commands = commands
        self.note = note
    }
}
