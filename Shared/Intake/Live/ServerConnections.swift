import HangarContracts

/// How to connect to a server, by provider: on `aws`, AWS Systems Manager Session Manager
/// (a shell with `aws ssm start-session`, and for a Windows server its remote desktop through a
/// forwarded local port); on `simulated`, nothing (and it says so).
enum ServerConnections {
    /// The local port a Windows server's remote desktop (3389) is forwarded to.
    static let localRDPPort = 13389

    static func connection(environment: EnvironmentResource, server: ServerInfo) -> ServerConnection {
        var answer = ServerConnection(
            environment: environment.name, serverId: server.id, serverName: server.name, provider: environment.provider,
            simulated: environment.provider == "simulated", commands: [], note: "")
        switch environment.provider {
        case "aws":
            let region = environment.target["region"]?.stringValue ?? environment.region ?? ""
            let base = "aws ssm start-session --target \(shellWord(server.id))" + (region.isEmpty ? "" : " --region \(shellWord(region))")
            answer.commands.append(.init(purpose: "shell", command: base))
            if server.platform?.lowercased().contains("windows") == true {
                answer.commands.append(
                    .init(
                        purpose: "rdp",
                        command: base + " --document-name AWS-StartPortForwardingSession"
                            + " --parameters portNumber=3389,localPortNumber=\(localRDPPort)",
                        then: "point your remote desktop client at localhost:\(localRDPPort)"))
            }
            answer.note =
                "Session Manager: needs the AWS CLI with its Session Manager plugin and your own AWS credentials on your machine, "
                + "and the SSM agent on the server; no inbound port is opened."
        case "simulated":
            answer.note = "a simulated server: there is nothing to connect to"
        default:
            answer.note = "the \(environment.provider) provider offers no way to connect"
        }
        return answer
    }

    /// `word` as one POSIX shell word: as it is when it holds only safe characters, otherwise
    /// single-quoted.
    static func shellWord(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:/".contains($0)) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
