/// How an operator connects to one of an environment's servers: the answer of
/// `GET /v1/environments/{env}/servers/{server}/connection`.
public struct ServerConnection: Codable, Sendable, Equatable {
    /// A command to run on the operator's own machine.
    public struct Command: Codable, Sendable, Equatable {
        /// `shell` (a terminal on the server) or `rdp` (a local port forwarded to its remote desktop).
        public var purpose: String
        public var command: String
        /// What to do once it runs, if anything (e.g. where to point the RDP client).
        public var then: String?

        public init(purpose: String, command: String, then: String? = nil) {
            self.purpose = purpose
            self.command = command
            self.then = then
        }
    }

    public var environment: String
    public var serverId: String
    public var serverName: String
    public var provider: String
    /// `true` on the simulated provider: there is nothing to connect to, and ``commands`` is empty.
    public var simulated: Bool
    public var commands: [Command]
    /// What the commands need, or why there are none.
    public var note: String

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
