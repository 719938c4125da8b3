import Foundation

/// A Run Command command as Systems Manager reports it.
public struct SSMCommand: Sendable, Equatable, Decodable {
    /// The command's id (`CommandId`), used to ask how it went on each instance.
    public var commandId: String
    /// The comment it was sent with (`Comment`); Hangar puts its purpose and the deployment id there, to find the command again.
    public var comment: String?
    /// The Systems Manager document it runs (`DocumentName`), e.g. `AWS-RunShellScript`.
    public var documentName: String?
    /// The instances it was sent to (`InstanceIds`); empty when the answer lists none.
    public var instanceIds: [String]
    /// The document's parameters, e.g. `["commands": ["wall 'Please save your work'"]]`.
    public var parameters: [String: [String]]

    enum CodingKeys: String, CodingKey {
        case commandId = "CommandId"
        case comment = "Comment"
        case documentName = "DocumentName"
        case instanceIds = "InstanceIds"
        case parameters = "Parameters"
    }

    /// Decodes a `Command` object of a `SendCommand` or `ListCommands` answer; missing lists and parameters become empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commandId = try container.decode(String.self, forKey: .commandId)
        comment = try container.decodeIfPresent(String.self, forKey: .comment)
        documentName = try container.decodeIfPresent(String.self, forKey: .documentName)
        instanceIds = try container.decodeIfPresent([String].self, forKey: .instanceIds) ?? []
        parameters = try container.decodeIfPresent([String: [String]].self, forKey: .parameters) ?? [:]
    }
}

/// How a command went on one instance (`GetCommandInvocation`).
public struct SSMInvocation: Sendable, Equatable {
    /// `Pending`, `InProgress`, `Delayed`, `Success`, `Cancelled`, `TimedOut`, `Failed`, `Cancelling`;
    /// `Pending` too while Systems Manager does not list the invocation yet.
    public var status: String
    /// A finer status (`StatusDetails`), e.g. `DeliveryTimedOut`; `not listed yet` while the invocation is not listed.
    public var statusDetails: String?
    /// The first line of the command's standard error, if any.
    public var error: String?

    /// Statuses after which the invocation changes no more.
    public static let finalStatuses: Set<String> = ["Success", "Cancelled", "TimedOut", "Failed"]

    /// Whether ``status`` is one of ``finalStatuses``: the invocation will change no more.
    public var isFinal: Bool { Self.finalStatuses.contains(status) }
}

/// The Systems Manager calls Hangar makes: Run Command on instances, and how each went.
public struct SystemsManager: Sendable {
    /// The client the calls go through (JSON protocol).
    public let client: AWSQueryClient

    /// Creates the Systems Manager calls over `client`.
    public init(client: AWSQueryClient) { self.client = client }

    /// Runs `commands` with `document` (e.g. `AWS-RunShellScript`) on `instanceIds`; answers
    /// the command id. `comment` (at most 100 characters) finds the command again
    /// (``commands(onInstance:)``), since Run Command takes no idempotency token.
    public func sendCommand(
        instanceIds: [String], document: String, commands: [String], comment: String, timeoutSeconds: Int
    ) async throws(AWSError) -> String {
        struct Input: Encodable, Sendable {
            var InstanceIds: [String]
            var DocumentName: String
            var Parameters: [String: [String]]
            var Comment: String
            var TimeoutSeconds: Int
        }
        struct Output: Decodable { var Command: SSMCommand }
        let output: Output = try await client.callJSON(
            .systemsManager, "SendCommand",
            Input(
                InstanceIds: instanceIds, DocumentName: document, Parameters: ["commands": commands], Comment: String(comment.prefix(100)),
                TimeoutSeconds: timeoutSeconds))
        return output.Command.commandId
    }

    /// The commands sent to `instanceId`, or to any instance when `nil` (the most recent ones
    /// Systems Manager keeps).
    public func commands(onInstance instanceId: String?) async throws(AWSError) -> [SSMCommand] {
        struct Input: Encodable, Sendable {
            var InstanceId: String?
            var NextToken: String?
        }
        struct Output: Decodable {
            var Commands: [SSMCommand]?
            var NextToken: String?
        }
        var all: [SSMCommand] = []
        var token: String?
        repeat {
            let page: Output = try await client.callJSON(.systemsManager, "ListCommands", Input(InstanceId: instanceId, NextToken: token))
            all += page.Commands ?? []
            token = page.NextToken
        } while token != nil && all.count < 1000
        return all
    }

    /// How command `commandId` went on `instanceId`.
    public func invocation(commandId: String, instanceId: String) async throws(AWSError) -> SSMInvocation {
        struct Input: Encodable, Sendable {
            var CommandId: String
            var InstanceId: String
        }
        struct Output: Decodable {
            var Status: String?
            var StatusDetails: String?
            var StandardErrorContent: String?
        }
        do {
            let output: Output = try await client.callJSON(
                .systemsManager, "GetCommandInvocation", Input(CommandId: commandId, InstanceId: instanceId))
            let error = output.StandardErrorContent?.split(separator: "\n").first.map(String.init)
            return SSMInvocation(status: output.Status ?? "Pending", statusDetails: output.StatusDetails, error: error)
        } catch  where error.awsCode == "InvocationDoesNotExist" {
            // Right after SendCommand the invocation may not be listed yet.
            return SSMInvocation(status: "Pending", statusDetails: "not listed yet", error: nil)
        }
    }
}
