import Foundation
import HangarContracts
import Testing

@testable import HangarIntake

@Suite("How to connect to a server")
struct ServerConnectionsTests {
    private func environment(_ provider: String, region: String? = "eu-west-1") -> EnvironmentResource {
        var target: [String: JSONValue] = [:]
        if let region { target["region"] = .string(region) }
        return EnvironmentResource(
            id: UUID(), name: "web", description: "", provider: provider, target: target, limits: .init(), lifecycle: .activated,
            createdAt: Date(), updatedAt: Date())
    }

    @Test("aws: a Session Manager shell; a Windows server also its remote desktop through a forwarded port")
    func aws() {
        let linux = ServerConnections.connection(
            environment: environment("aws"),
            server: ServerInfo(id: "i-0abc", name: "prep", role: .preparation, status: "running", platform: "Linux/UNIX"))
        #expect(!linux.simulated)
        #expect(linux.commands == [.init(purpose: "shell", command: "aws ssm start-session --target i-0abc --region eu-west-1")])
        #expect(linux.note.contains("Session Manager plugin"))

        let windows = ServerConnections.connection(
            environment: environment("aws"), server: ServerInfo(id: "i-0def", name: "desk", role: .support, status: "running", platform: "Windows"))
        #expect(windows.commands.map(\.purpose) == ["shell", "rdp"])
        #expect(
            windows.commands[1].command
                == "aws ssm start-session --target i-0def --region eu-west-1 --document-name AWS-StartPortForwardingSession --parameters portNumber=3389,localPortNumber=13389"
        )
        #expect(windows.commands[1].then == "point your remote desktop client at localhost:13389")
    }

    @Test("simulated: nothing to connect to, and it says so")
    func simulated() {
        let answer = ServerConnections.connection(
            environment: environment("simulated", region: nil), server: ServerInfo(id: "i-1", name: "prep", role: .preparation, status: "running"))
        #expect(answer.simulated && answer.commands.isEmpty)
        #expect(answer.note == "a simulated server: there is nothing to connect to")
    }

    @Test("an id or region that is not a plain word is quoted for the shell")
    func quoting() {
        #expect(ServerConnections.shellWord("i-0abc") == "i-0abc")
        #expect(ServerConnections.shellWord("i-1; rm -rf ~") == "'i-1; rm -rf ~'")
        #expect(ServerConnections.shellWord("it's") == #"'it'\''s'"#)
        #expect(ServerConnections.shellWord("") == "''")
    }
}
