import Foundation
import HangarSettings

/// How a worker runs: its name, how many steps at once, and its timings.
public struct WorkerConfiguration: Sendable {
    /// Its name in the history and `GET /v1/workers` (`HANGAR_WORKER_NAME`; default: the instance name).
    public var name: String
    /// Steps run at once (`HANGAR_WORKER_CONCURRENCY`, 4).
    public var concurrency: Int
    /// Step commands taken from the broker ahead (`HANGAR_WORKER_PREFETCH`; default: the concurrency).
    public var prefetch: Int
    /// A step that ends sooner reports its start and detail lines inside its outcome event
    /// (`HANGAR_WORKER_LIVE_AFTER_MS`, 250 ms).
    public var liveAfter: Duration
    /// How often a running step renews its lease with the scheduler (`HANGAR_WORKER_HEARTBEAT_MS`,
    /// 3 s); `nil`: never. Keep it well under the scheduler's `HANGAR_SCHEDULER_LEASE_TIMEOUT_MS`.
    public var heartbeatInterval: Duration?
    /// How often it tells the recorder what it runs (`HANGAR_WORKER_STATUS_MS`, 5 s); `nil`: never.
    public var statusInterval: Duration?
    /// Where the simulated provider keeps its servers' states, shared by the workers of one
    /// machine (`HANGAR_SIMULATED_SERVERS_FILE`, `<data dir>/simulated-servers.json`); `nil`
    /// (`off`): each worker's memory.
    public var simulatedServersFile: String?

    /// Reads the worker's settings with `settings`; `instance` is its default name, `dataDirectory`
    /// holds the default simulated servers' file.
    public init(settings: SettingsReader, instance: String, dataDirectory: String) throws(SettingError) {
        name = settings.string(.workerName, default: instance)
        concurrency = try settings.int(.workerConcurrency, default: 4, range: 1...1000)
        prefetch = try settings.int(.workerPrefetch, default: concurrency, range: 1...Int(UInt16.max))
        liveAfter = try settings.milliseconds(.workerLiveAfter, default: .milliseconds(250))
        let heartbeat = try settings.milliseconds(.workerHeartbeat, default: .seconds(3))
        heartbeatInterval = heartbeat == .zero ? nil : heartbeat
        let status = try settings.milliseconds(.workerStatus, default: .seconds(5))
        statusInterval = status == .zero ? nil : status
        let file = settings.string(.simulatedServersFile, default: "\(dataDirectory)/simulated-servers.json")
        simulatedServersFile = file == "off" ? nil : file
    }
}
