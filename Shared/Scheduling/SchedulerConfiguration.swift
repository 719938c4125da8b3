import Foundation
import HangarSettings

/// How the scheduler behaves. Defaults suit production; tests shorten the intervals.
public struct SchedulerConfiguration: Sendable {
    /// Attempts per step for transient failures (the first try included). Default: 4.
    public var maxAttempts: Int
    /// Delay before retry `n` is `retryBase * 2^(n-1)`, capped at `retryCap`. Default: 1 s, 60 s.
    public var retryBase: Duration
    /// The longest delay before a retry, however many attempts came before. Not read from the environment. Default: 60 s.
    public var retryCap: Duration
    /// A dispatched step that no worker answered for this long is dispatched again
    /// (a new attempt), or fails the deployment after `maxAttempts`. Default: 5 min.
    public var stepTimeout: Duration
    /// A step whose worker was heard from (its `started`, a detail line or a heartbeat) and
    /// then went silent this long without an outcome is dispatched again as a new attempt
    /// (or fails the deployment after `maxAttempts`): its run's lease lapsed. Workers send a
    /// heartbeat every few seconds (`HANGAR_WORKER_HEARTBEAT_MS`, 3 s), so this must be
    /// several of those. Default: 15 s.
    public var leaseTimeout: Duration
    /// How long a finished deployment stays in the scheduler's own tables (the history lives
    /// with the recorder). `requestReconnection` deployments stay until their month is over,
    /// since they count against the monthly quota. Default: 24 h.
    public var keepFinished: Duration
    /// How often the reconciler looks for stuck deployments. Default: 10 s.
    public var reconcileInterval: Duration
    /// Longest sleep of the timer loop between checks. Default: 1 s.
    public var timerPollInterval: Duration
    /// Monthly `requestReconnection` publishes per environment when the request names no limit. Default: 4.
    public var defaultReconnectionMonthlyLimit: Int
    /// Messages handled per transaction at most. Default: 128.
    public var maxBatch: Int
    /// How long the timer lease (timers and reconciliation run on one replica) lasts without
    /// being renewed; the holder renews it, and a standby tries to take it, every quarter of
    /// this. A standby takes the timers over at most this plus a quarter after the holder
    /// died. Default: 2 s.
    public var timerLease: Duration
    /// How long a worker asked to carry out a scheduled server stop has to take the request
    /// (it drops it after that); an attempt unanswered this long plus 30 s counts as failed and
    /// is tried again later. Default: 10 s (`HANGAR_SERVER_REQUEST_TIMEOUT_MS`, as intake's).
    public var serverRequestTimeout: Duration
    /// How late a recurring schedule's occurrence may fire and still count as on time; a later
    /// one follows its schedule's misfire policy. Default: 60 s (`HANGAR_SCHEDULER_MISFIRE_GRACE_MS`).
    public var misfireGrace: Duration = .seconds(60)
    /// How long the event batches for the recorder whose events can all wait are held, to go
    /// out as one message with those that follow (``EventBatchHold``); zero: each goes out with
    /// its transaction. Default: 50 ms (`HANGAR_SCHEDULER_EVENT_BATCH_WINDOW_MS`).
    public var eventBatchWindow: Duration = .milliseconds(50)

    /// Creates a configuration; every default is the production value listed on its property.
    public init(
        maxAttempts: Int = 4, retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(60),
        stepTimeout: Duration = .seconds(300), leaseTimeout: Duration = .seconds(15),
        keepFinished: Duration = .seconds(24 * 3600), reconcileInterval: Duration = .seconds(10),
        timerPollInterval: Duration = .seconds(1), defaultReconnectionMonthlyLimit: Int = 4, maxBatch: Int = 128,
        timerLease: Duration = .seconds(2), serverRequestTimeout: Duration = .seconds(10)
    ) {
        self.serverRequestTimeout = serverRequestTimeout
        self.timerLease = timerLease
        self.maxAttempts = maxAttempts
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.stepTimeout = stepTimeout
        self.leaseTimeout = leaseTimeout
        self.keepFinished = keepFinished
        self.reconcileInterval = reconcileInterval
        self.timerPollInterval = timerPollInterval
        self.defaultReconnectionMonthlyLimit = defaultReconnectionMonthlyLimit
        self.maxBatch = maxBatch
    }

    /// Reads the scheduler's settings (`HANGAR_SCHEDULER_*`, `HANGAR_SERVER_REQUEST_TIMEOUT_MS`)
    /// with `settings`; each unset one keeps its default.
    public init(settings: SettingsReader) throws(SettingError) {
        self.init()
        maxAttempts = try settings.int(.schedulerMaxAttempts, default: maxAttempts, range: 1...100)
        retryBase = try settings.milliseconds(.schedulerRetryBase, default: retryBase)
        stepTimeout = try settings.milliseconds(.schedulerStepTimeout, default: stepTimeout)
        leaseTimeout = try settings.milliseconds(.schedulerLeaseTimeout, default: leaseTimeout)
        keepFinished = try settings.milliseconds(.schedulerKeepFinished, default: keepFinished)
        reconcileInterval = try settings.milliseconds(.schedulerReconcileInterval, default: reconcileInterval)
        timerLease = try settings.milliseconds(.schedulerTimerLease, default: timerLease)
        guard timerLease >= .milliseconds(100) else {
            throw SettingError(.schedulerTimerLease, accepts: "at least 100 (milliseconds)", got: settings.string(.schedulerTimerLease))
        }
        serverRequestTimeout = try settings.milliseconds(.serverRequestTimeout, default: serverRequestTimeout)
        misfireGrace = try settings.milliseconds(.schedulerMisfireGrace, default: misfireGrace)
        eventBatchWindow = try settings.milliseconds(.schedulerEventBatchWindow, default: eventBatchWindow)
    }

    /// The delay before attempt `attempt` (2 or more).
    public func retryDelay(beforeAttempt attempt: Int) -> Duration {
        let exponent = max(0, min(attempt - 2, 20))
        return min(retryBase * (1 << exponent), retryCap)
    }
}
