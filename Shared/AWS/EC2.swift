import Foundation
import Logging

/// An EC2 instance as `DescribeInstances` reports it.
public struct EC2Instance: Sendable, Equatable {
    /// The instance id (`instanceId`, `i-…`).
    public var id: String
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`.
    public var state: String
    /// The AMI the instance was launched from (`imageId`); a rolling replacement uses it to tell old instances from new.
    public var imageId: String?
    /// The instance type (`instanceType`), e.g. `t3.micro`.
    public var instanceType: String?
    /// The private IPv4 address (`privateIpAddress`), if it has one.
    public var privateIP: String?
    /// The public IPv4 address (`ipAddress`); `nil` when it has none, e.g. while stopped.
    public var publicIP: String?
    /// `platformDetails` (e.g. "Linux/UNIX"), or `platform` ("windows").
    public var platform: String?
    /// When the instance was last launched or started (`launchTime`).
    public var launchTime: Date?
    /// The instance's tags (`tagSet`), key to value.
    public var tags: [String: String]

    /// The `Name` tag, or the id.
    public var name: String { tags["Name"] ?? id }

    init(_ node: AWSXML) {
        id = node.string("instanceId") ?? ""
        state = node.string("instanceState", "name") ?? "unknown"
        imageId = node.string("imageId")
        instanceType = node.string("instanceType")
        privateIP = node.string("privateIpAddress")
        publicIP = node.string("ipAddress")
        platform = node.string("platformDetails") ?? node.string("platform")
        launchTime = node.string("launchTime").flatMap(EC2.parseDate)
        tags = EC2.tags(node.items("tagSet"))
    }
}

/// An AMI as `DescribeImages` reports it.
public struct EC2Image: Sendable, Equatable {
    /// The AMI id (`imageId`, `ami-…`).
    public var id: String
    /// The AMI's name (`name`); Hangar names its images `hangar-<environment>-<deployment id>`.
    public var name: String?
    /// `pending`, `available`, `failed`…
    public var state: String
    /// When the AMI was created (`creationDate`).
    public var creationDate: Date?
    /// Why the AMI is in its state (`stateReason.message`), e.g. why it failed; `nil` when EC2 gives no reason.
    public var stateReason: String?
    /// The AMI's tags (`tagSet`), key to value; Hangar tags its images with `hangar:deployment` and `hangar:preparation-server`.
    public var tags: [String: String]

    init(_ node: AWSXML) {
        id = node.string("imageId") ?? ""
        name = node.string("name")
        state = node.string("imageState") ?? "unknown"
        creationDate = node.string("creationDate").flatMap(EC2.parseDate)
        stateReason = node.string("stateReason", "message")
        tags = EC2.tags(node.items("tagSet"))
    }
}

/// A launch template (a "model" family).
public struct EC2LaunchTemplate: Sendable, Equatable {
    /// The template id (`launchTemplateId`, `lt-…`).
    public var id: String
    /// The template name (`launchTemplateName`).
    public var name: String
    /// The number of the default version (`defaultVersionNumber`): after `create_models`, the main model.
    public var defaultVersion: Int
    /// The number of the newest version (`latestVersionNumber`).
    public var latestVersion: Int
}

/// One version of a launch template: what the instances launched from it get.
public struct EC2LaunchTemplateVersion: Sendable, Equatable {
    /// The id of the launch template the version belongs to (`launchTemplateId`).
    public var templateId: String
    /// The version number (`versionNumber`).
    public var number: Int
    /// The version's description (`versionDescription`); Hangar writes `hangar:<deployment id>` and `backup=<n>` in it.
    public var description: String?
    /// Whether it is the template's default version (`defaultVersion`).
    public var isDefault: Bool
    /// The AMI that instances launched from this version get (`launchTemplateData.imageId`).
    public var imageId: String?
    /// The version's data as `CreateLaunchTemplateVersion` parameters (`LaunchTemplateData.*`),
    /// for the fields this client knows how to copy.
    public var dataParameters: [String: String]

    init(_ node: AWSXML) {
        templateId = node.string("launchTemplateId") ?? ""
        number = Int(node.string("versionNumber") ?? "") ?? 0
        description = node.string("versionDescription")
        isDefault = node.string("defaultVersion") == "true"
        let data = node.child("launchTemplateData") ?? AWSXML(name: "launchTemplateData")
        imageId = data.string("imageId")
        dataParameters = Self.parameters(of: data)
    }

    /// Copies the commonly used fields of a version's data. On AWS the new version also names
    /// its `SourceVersion`, so fields not copied here are inherited; some emulators ignore
    /// `SourceVersion`, hence the copy.
    static func parameters(of data: AWSXML) -> [String: String] {
        var result: [String: String] = [:]
        let p = "LaunchTemplateData."
        let scalars = [
            ("instanceType", "InstanceType"), ("keyName", "KeyName"), ("userData", "UserData"), ("ebsOptimized", "EbsOptimized"),
            ("disableApiTermination", "DisableApiTermination"), ("instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior"),
            ("kernelId", "KernelId"), ("ramDiskId", "RamDiskId"),
        ]
        for (xml, query) in scalars { if let value = data.string(xml) { result[p + query] = value } }
        if let arn = data.string("iamInstanceProfile", "arn") {
            result[p + "IamInstanceProfile.Arn"] = arn
        } else if let name = data.string("iamInstanceProfile", "name") {
            result[p + "IamInstanceProfile.Name"] = name
        }
        if let enabled = data.string("monitoring", "enabled") { result[p + "Monitoring.Enabled"] = enabled }
        let groupIds = data.items("securityGroupIdSet").compactMap { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty }
        result.merge(QueryParameters.list(p + "SecurityGroupId", groupIds)) { _, new in new }
        let groups = data.items("securityGroupSet").compactMap { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty }
        result.merge(QueryParameters.list(p + "SecurityGroup", groups)) { _, new in new }
        for (index, spec) in data.items("tagSpecificationSet").enumerated() {
            let prefix = p + "TagSpecification.\(index + 1)."
            if let type = spec.string("resourceType") { result[prefix + "ResourceType"] = type }
            result.merge(QueryParameters.tags(prefix + "Tag", EC2.tags(spec.items("tagSet")))) { _, new in new }
        }
        return result
    }
}

/// The result of deleting launch template versions.
public struct EC2DeletedVersions: Sendable, Equatable {
    /// The version numbers that were deleted, ascending.
    public var deleted: [Int]
    /// Version → the reason it was not deleted.
    public var failed: [Int: String]
}

/// The EC2 calls Hangar needs, over the Query API (`Version=2016-11-15`).
public struct EC2: Sendable {
    /// The client the calls go through.
    public let client: AWSQueryClient

    /// Creates the EC2 calls over `client`.
    public init(client: AWSQueryClient) { self.client = client }

    // MARK: Instances

    /// The instances with `ids` that match every filter of `filters` (`DescribeInstances`), e.g.
    /// `("instance-state-name", ["running"])`; empty `ids` or `filters` do not restrict.
    public func describeInstances(ids: [String] = [], filters: [(name: String, values: [String])] = []) async throws(AWSError) -> [EC2Instance] {
        let root = try await client.call(
            .ec2, "DescribeInstances", QueryParameters.list("InstanceId", ids).adding(QueryParameters.filters(filters)))
        return root.items("reservationSet").flatMap { $0.items("instancesSet") }.map(EC2Instance.init)
    }

    /// The instance `id`; throws an `InvalidInstanceID.NotFound` service error when EC2 does not list it.
    public func describeInstance(_ id: String) async throws(AWSError) -> EC2Instance {
        guard let instance = try await describeInstances(ids: [id]).first else {
            throw AWSError(.service, awsCode: "InvalidInstanceID.NotFound", message: "instance \(id) does not exist", action: "DescribeInstances")
        }
        return instance
    }

    /// Starts the instances `ids` (`StartInstances`); does not wait for them to run.
    public func startInstances(_ ids: [String]) async throws(AWSError) {
        _ = try await client.call(.ec2, "StartInstances", QueryParameters.list("InstanceId", ids))
    }

    /// Stops the instances `ids` (`StopInstances`); does not wait for them to stop.
    public func stopInstances(_ ids: [String]) async throws(AWSError) {
        _ = try await client.call(.ec2, "StopInstances", QueryParameters.list("InstanceId", ids))
    }

    /// Reboots the running instances `ids` (`RebootInstances`).
    public func rebootInstances(_ ids: [String]) async throws(AWSError) {
        _ = try await client.call(.ec2, "RebootInstances", QueryParameters.list("InstanceId", ids))
    }

    /// Adds `tags` to the EC2 resources `resources` (instances, AMIs…), replacing the values of keys they already have
    /// (`CreateTags`).
    public func createTags(_ resources: [String], _ tags: [String: String]) async throws(AWSError) {
        _ = try await client.call(.ec2, "CreateTags", QueryParameters.list("ResourceId", resources).adding(QueryParameters.tags("Tag", tags)))
    }

    /// Removes the tags with `keys`, whatever their values, from the EC2 resources `resources` (`DeleteTags`).
    public func deleteTags(_ resources: [String], keys: [String]) async throws(AWSError) {
        var parameters = QueryParameters.list("ResourceId", resources)
        for (index, key) in keys.enumerated() { parameters["Tag.\(index + 1).Key"] = key }
        _ = try await client.call(.ec2, "DeleteTags", parameters)
    }

    // MARK: Images

    /// Creates an AMI of `instanceId`; `noReboot` leaves a running instance running.
    public func createImage(
        instanceId: String, name: String, description: String, noReboot: Bool, tags: [String: String]
    ) async throws(AWSError) -> String {
        var parameters = [
            "InstanceId": instanceId, "Name": name, "Description": description, "NoReboot": noReboot ? "true" : "false",
        ]
        if !tags.isEmpty {
            parameters["TagSpecification.1.ResourceType"] = "image"
            parameters.merge(QueryParameters.tags("TagSpecification.1.Tag", tags)) { _, new in new }
        }
        let root = try await client.call(.ec2, "CreateImage", parameters)
        guard let id = root.string("imageId") else {
            throw AWSError(.unexpectedResponse, message: "CreateImage answered no imageId", action: "CreateImage")
        }
        return id
    }

    /// Images owned by this account, by id and/or filters.
    public func describeImages(ids: [String] = [], filters: [(name: String, values: [String])] = []) async throws(AWSError) -> [EC2Image] {
        var parameters = QueryParameters.list("ImageId", ids).adding(QueryParameters.filters(filters))
        if ids.isEmpty { parameters["Owner.1"] = "self" }
        return try await client.call(.ec2, "DescribeImages", parameters).items("imagesSet").map(EC2Image.init)
    }

    // MARK: Launch templates

    /// The launch template with `id`, or called `name`.
    public func describeLaunchTemplate(id: String?, name: String?) async throws(AWSError) -> EC2LaunchTemplate {
        var parameters: [String: String] = [:]
        if let id { parameters["LaunchTemplateId.1"] = id } else if let name { parameters["LaunchTemplateName.1"] = name }
        let root = try await client.call(.ec2, "DescribeLaunchTemplates", parameters)
        guard let node = root.items("launchTemplates").first, let templateId = node.string("launchTemplateId") else {
            throw AWSError(
                .service, awsCode: "InvalidLaunchTemplateId.NotFound", message: "launch template \(id ?? name ?? "?") does not exist",
                action: "DescribeLaunchTemplates")
        }
        return EC2LaunchTemplate(
            id: templateId, name: node.string("launchTemplateName") ?? "", defaultVersion: Int(node.string("defaultVersionNumber") ?? "") ?? 0,
            latestVersion: Int(node.string("latestVersionNumber") ?? "") ?? 0)
    }

    /// Versions of a template: the given ones, or all of them.
    public func describeLaunchTemplateVersions(templateId: String, versions: [Int] = []) async throws(AWSError) -> [EC2LaunchTemplateVersion] {
        var parameters = ["LaunchTemplateId": templateId]
        parameters.merge(QueryParameters.list("LaunchTemplateVersion", versions.map(String.init))) { _, new in new }
        // Pages as large as EC2 allows: fewer calls, and moto (which answers 15 by default and
        // no NextToken) lists them all too.
        if versions.isEmpty { parameters["MaxResults"] = "200" }
        var result: [EC2LaunchTemplateVersion] = []
        var token: String?
        repeat {
            var page = parameters
            if let token { page["NextToken"] = token }
            let root = try await client.call(.ec2, "DescribeLaunchTemplateVersions", page)
            result += root.items("launchTemplateVersionSet").map(EC2LaunchTemplateVersion.init)
            token = root.string("nextToken")
        } while token != nil
        return result.sorted { $0.number < $1.number }
    }

    /// A new version with `data` (`LaunchTemplateData.*` parameters); answers its number.
    public func createLaunchTemplateVersion(
        templateId: String, sourceVersion: Int?, description: String, data: [String: String]
    ) async throws(AWSError) -> Int {
        var parameters = data
        parameters["LaunchTemplateId"] = templateId
        parameters["VersionDescription"] = description
        if let sourceVersion { parameters["SourceVersion"] = String(sourceVersion) }
        let root = try await client.call(.ec2, "CreateLaunchTemplateVersion", parameters)
        guard let number = root.string("launchTemplateVersion", "versionNumber").flatMap(Int.init) else {
            throw AWSError(
                .unexpectedResponse, message: "CreateLaunchTemplateVersion answered no version number", action: "CreateLaunchTemplateVersion")
        }
        return number
    }

    /// Makes `version` the template's default version (`ModifyLaunchTemplate` with `SetDefaultVersion`).
    public func setDefaultLaunchTemplateVersion(templateId: String, version: Int) async throws(AWSError) {
        _ = try await client.call(.ec2, "ModifyLaunchTemplate", ["LaunchTemplateId": templateId, "SetDefaultVersion": String(version)])
    }

    /// Deletes `versions` of the template (`DeleteLaunchTemplateVersions`); answers which were deleted and why the
    /// others were not.
    public func deleteLaunchTemplateVersions(templateId: String, versions: [Int]) async throws(AWSError) -> EC2DeletedVersions {
        let root = try await client.call(
            .ec2, "DeleteLaunchTemplateVersions",
            ["LaunchTemplateId": templateId].adding(QueryParameters.list("LaunchTemplateVersion", versions.map(String.init))))
        let deleted = root.items("successfullyDeletedLaunchTemplateVersionSet").compactMap { $0.string("versionNumber").flatMap(Int.init) }
        var failed: [Int: String] = [:]
        for item in root.items("unsuccessfullyDeletedLaunchTemplateVersionSet") {
            if let number = item.string("versionNumber").flatMap(Int.init) {
                failed[number] = item.string("responseError", "message") ?? item.string("responseError", "code") ?? "not deleted"
            }
        }
        return EC2DeletedVersions(deleted: deleted.sorted(), failed: failed)
    }

    // MARK: Helpers

    static func tags(_ items: [AWSXML]) -> [String: String] {
        var tags: [String: String] = [:]
        for item in items { if let key = item.string("key") { tags[key] = item.string("value") ?? "" } }
        return tags
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
