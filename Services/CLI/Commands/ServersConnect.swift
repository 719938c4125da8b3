import ArgumentParser
import Foundation
import HangarContracts

#if canImport(Glibc)
import Glibc
#endif

extension Servers {
    /// `hangar servers connect ENV SERVER [--rdp] [--exec]`.
    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "connect",
            abstract: "How to connect to a server (AWS Session Manager commands to run here); --exec runs one.")
        @OptionGroup var target: ServerArguments
        @Flag(help: "With --exec: forward the remote desktop (Windows servers) instead of opening a shell.") var rdp = false
        @Flag(help: "Run the command here instead of printing it (it needs the AWS CLI and its Session Manager plugin).")
        var exec = false

        func run() async throws {
            try await reportingErrors {
                let client = try target.connection.client()
                let answer = try await client.send(.GET, "\(target.path)/connection")
                if target.connection.json, !exec { return printJSON(answer.body) }
                let connection = try client.decode(ServerConnection.self, answer.body)
                guard exec else {
                    print("\(connection.serverName) (\(connection.serverId)) on \(connection.provider): \(connection.note)")
                    for command in connection.commands {
                        print("  \(command.purpose): \(command.command)")
                        if let then = command.then { print("         then \(then)") }
                    }
                    return
                }
                let purpose = rdp ? "rdp" : "shell"
                guard let command = connection.commands.first(where: { $0.purpose == purpose }) else {
                    let why = connection.commands.isEmpty ? connection.note : "\(connection.serverName) offers no \(purpose) connection"
                    throw CLIError.usage("nothing to run: \(why)")
                }
                if let then = command.then { FileHandle.standardError.write(Data("hangar: \(then)\n".utf8)) }
                try Self.replaceProcess(with: command.command)
            }
        }

        /// Runs `command` with `/bin/sh` in place of this process, so that the session owns the terminal.
        static func replaceProcess(with command: String) throws {
            let arguments = ["sh", "-c", command]
            var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
            pointers.append(nil)
            execv("/bin/sh", &pointers)
            let reason = String(cString: strerror(errno))
            for pointer in pointers { free(pointer) }
            throw CLIError.unreachable("could not run /bin/sh: \(reason)")
        }
    }
}
