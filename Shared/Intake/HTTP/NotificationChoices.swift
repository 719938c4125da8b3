import Foundation
import HangarContracts

/// Which deployment events notify, and the webhooks that receive them: set on an environment
/// (`notifications`), and per deployment (`notify.events` overrides the environment's events).
public struct EnvironmentNotifications: Codable, Sendable, Equatable {
    /// Event names (`started`, `succeeded`, `failed`, `cancelled`, `scheduled`, `queued`,
    /// `rejected`, `awaiting_approval`); `nil`: the notifier's default.
    public var events: [String]?
    /// `http` or `https` URLs that receive each notifying event as a signed JSON POST.
    public var webhooks: [String]

    /// Creates choices; by default the notifier's default events and no webhooks.
    public init(events: [String]? = nil, webhooks: [String] = []) {
        self.events = events
        self.webhooks = webhooks
    }
}

/// Validation and mapping of the notification choices of requests.
enum NotificationChoices {
    /// The event names the API accepts, in the order the docs list them.
    static let eventNames = [
        "started", "succeeded", "failed", "cancelled", "scheduled", "queued", "rejected", "awaiting_approval", "rolled_back", "paused",
    ]
    static let maxWebhooks = 10

    /// The lifecycle status an event name stands for (`started` is `running`).
    static func status(_ name: String) -> DeploymentStatus? {
        name == "started" ? .running : (name == "running" ? nil : DeploymentStatus(rawValue: name))
    }

    /// Validates a list of event names at `field`; reports problems through `fail`.
    static func events(_ value: JSONValue?, field: String, fail: (String, String) -> Void) -> [String]?? {
        switch value {
        case nil: return .none
        case .null?: return .some(nil)
        case .array(let items)?:
            var names: [String] = []
            for (index, item) in items.enumerated() {
                if let name = item.stringValue, status(name) != nil {
                    if !names.contains(name) { names.append(name) }
                } else {
                    fail("\(field)[\(index)]", "must be one of \(eventNames.joined(separator: ", "))")
                }
            }
            return .some(names)
        default:
            fail(field, "must be an array of event names (\(eventNames.joined(separator: ", ")))")
            return .none
        }
    }

    /// Validates the `notifications` object of an environment request onto `current`.
    static func environment(_ value: JSONValue?, current: EnvironmentNotifications?, fail: (String, String) -> Void) -> EnvironmentNotifications?? {
        switch value {
        case nil: return .none
        case .null?: return .some(nil)
        case .object(let object)?:
            var result = current ?? EnvironmentNotifications()
            for key in object.keys.sorted() where key != "events" && key != "webhooks" {
                fail("notifications.\(key)", "unknown field; expected events, webhooks")
            }
            if case .some(let events) = Self.events(object["events"], field: "notifications.events", fail: fail) { result.events = events }
            switch object["webhooks"] {
            case nil: break
            case .null?: result.webhooks = []
            case .array(let items)?:
                if items.count > maxWebhooks { fail("notifications.webhooks", "at most \(maxWebhooks) webhooks") }
                var urls: [String] = []
                for (index, item) in items.enumerated() {
                    if let url = item.stringValue, isWebhookURL(url) {
                        urls.append(url)
                    } else {
                        fail("notifications.webhooks[\(index)]", "must be an http or https URL with a host, at most 2000 characters")
                    }
                }
                result.webhooks = urls
            default: fail("notifications.webhooks", "must be an array of URLs")
            }
            return .some(result)
        default:
            fail("notifications", "must be an object with events and webhooks")
            return .none
        }
    }

    static func isWebhookURL(_ text: String) -> Bool {
        guard text.count <= 2000, !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) || $0 == " " }),
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    /// The statuses that notify for a deployment: its own choice, else its environment's.
    static func effective(deployment: [String]?, environment: EnvironmentNotifications?) -> [DeploymentStatus]? {
        (deployment ?? environment?.events).map { $0.compactMap(status) }
    }
}
