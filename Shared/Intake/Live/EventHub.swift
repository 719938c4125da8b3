import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import Synchronization

/// An event from `hangar.events`, as intake's live streams see it.
struct EventNotice: Sendable {
    /// `step`, `status` or `shutdown` (a scheduled server stop's turn).
    var kind: String
    /// The AMQP type: `step.started`, `deployment.succeeded`, `server.shutdown.stopped`…
    var type: String
    /// The deployment it is about; `nil` for a server stop.
    var deploymentId: UUID?
    /// Known for `deployment.*` and `server.shutdown.*` events; step events do not carry it.
    var environmentId: UUID?
    /// The event's JSON, as published.
    var body: [UInt8]
}

/// Fans the events that intake's private queue receives out to the open Server-Sent Events
/// streams of this process. Each stream has a ``Mailbox``; the hub never blocks on a slow
/// stream (a mailbox keeps at most its newest 1,000 notices).
final class EventHub: Sendable {
    enum Filter: Sendable {
        case deployment(UUID)
        case all
    }

    private struct State {
        var mailboxes: [ObjectIdentifier: (Filter, Mailbox)] = [:]
        var environments: [UUID: UUID] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    func subscribe(_ filter: Filter) -> Mailbox {
        let mailbox = Mailbox()
        let closed = state.withLock { state in
            if !state.closed { state.mailboxes[ObjectIdentifier(mailbox)] = (filter, mailbox) }
            return state.closed
        }
        if closed { mailbox.close() }
        return mailbox
    }

    func unsubscribe(_ mailbox: Mailbox) {
        _ = state.withLock { $0.mailboxes.removeValue(forKey: ObjectIdentifier(mailbox)) }
    }

    var subscriberCount: Int { state.withLock { $0.mailboxes.count } }

    func post(_ notice: EventNotice) {
        let targets = state.withLock { state -> [Mailbox] in
            if let environment = notice.environmentId, let deployment = notice.deploymentId {
                if state.environments.count > 50_000 { state.environments.removeAll() }
                state.environments[deployment] = environment
            }
            return state.mailboxes.values.compactMap { filter, mailbox in
                switch filter {
                case .all: return mailbox
                case .deployment(let id): return id == notice.deploymentId ? mailbox : nil
                }
            }
        }
        for mailbox in targets { mailbox.post(notice) }
    }

    /// The environment of a deployment, if an event or a lookup told it.
    func environment(of deployment: UUID) -> UUID? {
        state.withLock { $0.environments[deployment] }
    }

    func remember(deployment: UUID, environment: UUID) {
        state.withLock { $0.environments[deployment] = environment }
    }

    /// Ends every stream (graceful shutdown): their mailboxes answer `nil`.
    func closeAll() {
        let all = state.withLock { state -> [Mailbox] in
            state.closed = true
            defer { state.mailboxes.removeAll() }
            return state.mailboxes.values.map(\.1)
        }
        for mailbox in all { mailbox.close() }
    }

    /// Turns a delivery from intake's events queue into notices: a worker's step event, or the
    /// deployment and server stop events of one of the scheduler's batches (its step events the
    /// feed had from the workers already); none for what is not an event.
    static func notices(_ delivery: Delivery) -> [EventNotice] {
        guard let incoming = try? IncomingMessage(delivery) else { return [] }
        guard case .eventBatch(let batch) = incoming.message else {
            return notice(incoming.message, body: delivery.message.body).map { [$0] } ?? []
        }
        return batch.items.compactMap { item in
            if case .stepEvent = item.message { return nil }
            guard let body = item.body ?? (try? ContractCodec.encode(item.message)) else { return nil }
            return notice(item.message, body: body)
        }
    }

    private static func notice(_ message: HangarMessage, body: [UInt8]) -> EventNotice? {
        switch message {
        case .stepEvent(let event):
            return EventNotice(kind: "step", type: event.messageType, deploymentId: event.deploymentId, environmentId: nil, body: body)
        case .deploymentEvent(let event):
            return EventNotice(
                kind: "status", type: event.messageType, deploymentId: event.deploymentId, environmentId: event.environmentId, body: body)
        case .shutdownEvent(let event):
            return EventNotice(kind: "shutdown", type: event.messageType, deploymentId: nil, environmentId: event.environmentId, body: body)
        default:
            return nil
        }
    }
}

/// One stream's notices, and a way to wait for them with a time limit.
final class Mailbox: Sendable {
    private struct State {
        var items: [EventNotice] = []
        var woken = false
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func post(_ notice: EventNotice) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.closed else { return nil }
            state.items.append(notice)
            if state.items.count > 1000 { state.items.removeFirst(state.items.count - 1000) }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.woken = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// What arrived, waiting up to `timeout` for the first; `nil` once closed (or cancelled).
    func take(timeout: Duration) async -> [EventNotice]? {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    self.wake()
                }
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if !state.items.isEmpty || state.woken || state.closed { return true }
                        state.waiter = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
                group.cancelAll()
            }
        } onCancel: {
            self.close()
        }
        return state.withLock { state -> [EventNotice]? in
            state.woken = false
            if state.closed && state.items.isEmpty { return nil }
            defer { state.items.removeAll() }
            return state.items
        }
    }
}
