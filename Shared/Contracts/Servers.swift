import Foundation

/// What a server is for in an environment.
public enum ServerRole: String, Codable, Sendable, CaseIterable {
    /// The server a new version is prepared on and imaged from.
    case preparation
    /// A server the environment needs beside its instance group (license, file, database…).
    case support
}

/// What an operator can ask of a server.
public enum ServerAction: String, Codable, Sendable, CaseIterable {
    case start
    case stop
    case restart
}

/// A server as the environment's provider reports it.
public struct ServerInfo: Codable, Sendable, Equatable {
    /// The provider's id for it (an EC2 instance id for `aws`).
    public var id: String
    public var name: String
    public var role: ServerRole
    /// The provider's state word: `pending`, `running`, `stopping`, `stopped`…
    public var status: String
    public var publicIP: String?
    public var privateIP: String?
    /// Platform or image description (for example "Linux/UNIX", "Windows").
    public var platform: String?
    public var instanceType: String?
    /// For the preparation server: the state of the newest image made from it, if any.
    public var imageStatus: String?
    public var launchedAt: Date?

    public init(
        id: String, name: String, role: ServerRole, status: String, publicIP: String? = nil, privateIP: String? = nil,
        platform: String? = nil, instanceType: String? = nil, imageStatus: String? = nil, launchedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.status = status
        self.publicIP = publicIP
        self.privateIP = privateIP
        self.platform = platform
        self.instanceType = instanceType
        self.imageStatus = imageStatus
        self.launchedAt = launchedAt
    }
}
