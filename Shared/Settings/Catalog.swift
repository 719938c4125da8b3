// Every setting of every Hangar executable, in the order docs/configuration.md lists them.
// docs/configuration.md's table is generated from this list (SettingsCatalogTests checks it,
// and rewrites it with HANGAR_UPDATE_DOCS=1).

extension Setting {
    // MARK: Every service

    /// `HANGAR_AMQP_URL`.
    public static let amqpURL = Setting(
        "HANGAR_AMQP_URL", readers: [.all], default: "`amqp://guest:guest@127.0.0.1:5672/`", secret: true,
        "the broker; a cluster's nodes as a comma-separated list of URLs (same user, virtual host and scheme): the first is tried first, a node that does not answer is passed over at once, a lost connection goes on to the next node, and a whole round that failed backs off (jittered) before the next. `?connection_name=` names the connection"
    )
    /// `HANGAR_AMQP_HEARTBEAT`.
    public static let amqpHeartbeat = Setting(
        "HANGAR_AMQP_HEARTBEAT", readers: [.all], default: "10", "the AMQP heartbeat in seconds (0: none)")
    /// `HANGAR_QUEUE_TYPE`.
    public static let queueType = Setting(
        "HANGAR_QUEUE_TYPE", readers: [.all], default: "`classic`",
        "the type of Hangar's durable queues, `classic` on one broker node, `quorum` on a cluster; the same for every service ([queue-types.md](queue-types.md), with `hangar-migrate-queues` to change it)"
    )
    /// `HANGAR_DATA_DIR`.
    public static let dataDirectory = Setting(
        "HANGAR_DATA_DIR", readers: [.all], default: "`./.hangar/data`", "where the SQLite files and other local files go")
    /// `HANGAR_DATABASE_URL`.
    public static let databaseURL = Setting(
        "HANGAR_DATABASE_URL", readers: [.all], default: "unset: SQLite", secret: true,
        "a `postgres://user:pw@host/db` URL puts each service in its own schema")
    /// `HANGAR_DATABASE_SCHEMA_PREFIX`.
    public static let databaseSchemaPrefix = Setting(
        "HANGAR_DATABASE_SCHEMA_PREFIX", readers: [.all], default: "empty",
        "put before each service's schema name on PostgreSQL (`<prefix>scheduler`…), for several systems in one database")
    /// `HANGAR_INTAKE_DATABASE_URL`.
    public static let intakeDatabaseURL = Setting(
        "HANGAR_INTAKE_DATABASE_URL", readers: [.intake], default: "`HANGAR_DATABASE_URL`", secret: true, "intake's own database")
    /// `HANGAR_SCHEDULER_DATABASE_URL`.
    public static let schedulerDatabaseURL = Setting(
        "HANGAR_SCHEDULER_DATABASE_URL", readers: [.scheduler], default: "`HANGAR_DATABASE_URL`", secret: true, "the scheduler's database")
    /// `HANGAR_RECORDER_DATABASE_URL`.
    public static let recorderDatabaseURL = Setting(
        "HANGAR_RECORDER_DATABASE_URL", readers: [.recorder, .intake], default: "`HANGAR_DATABASE_URL`", secret: true,
        "the recorder's database (intake reads it)")
    /// `HANGAR_RECORDER_BATCH_WINDOW_MS`.
    public static let recorderBatchWindow = Setting(
        "HANGAR_RECORDER_BATCH_WINDOW_MS", readers: [.recorder], default: "50",
        "how long the recorder holds a running deployment's step events (and its queued and running events) to write them with the next; its end and every other event are written at once (0: each batch as it comes)"
    )
    /// `HANGAR_NOTIFIER_DATABASE_URL`.
    public static let notifierDatabaseURL = Setting(
        "HANGAR_NOTIFIER_DATABASE_URL", readers: [.notifier], default: "`HANGAR_DATABASE_URL`", secret: true, "the notifier's database")
    /// `HANGAR_SQLITE_SYNCHRONOUS`.
    public static let sqliteSynchronous = Setting(
        "HANGAR_SQLITE_SYNCHRONOUS", readers: [.all], default: "`normal`",
        "SQLite's `PRAGMA synchronous`; `full` makes every commit survive a power loss ([durability.md](durability.md))")
    /// `HANGAR_LOG_LEVEL`.
    public static let logLevel = Setting(
        "HANGAR_LOG_LEVEL", readers: [.all], default: "`info`", "`trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`")
    /// `HANGAR_LOG_FORMAT`.
    public static let logFormat = Setting(
        "HANGAR_LOG_FORMAT", readers: [.all], default: "`text`",
        "`json`: one object per line with `time`, `level`, `service` (the logger's label), `message`, `source`, `error` and a `metadata` object (deployment id, step, message id…), for a log shipper"
    )
    /// `HANGAR_METRICS_PORT`.
    public static let metricsPort = Setting(
        "HANGAR_METRICS_PORT", readers: [.all], default: "a port per service",
        "`/metrics`, `/health/live`, `/health/ready` (see [Metrics](observability.md#metrics)); `off` disables it, 0 picks a free port")
    /// `HANGAR_METRICS_HOST`.
    public static let metricsHost = Setting(
        "HANGAR_METRICS_HOST", readers: [.all], default: "`127.0.0.1`", "the address the metrics endpoint listens on")
    /// `HANGAR_INSTANCE`.
    public static let instance = Setting(
        "HANGAR_INSTANCE", readers: [.all], default: "host name and process id",
        "this replica's name (the scheduler's timer lease, intake's private queues)")
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public static let otlpEndpoint = Setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT", readers: [.all], default: "unset: no tracing",
        "spans exported over OTLP/HTTP (see [Traces](observability.md#traces)); `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_SERVICE_NAME` (default `hangar-<service>`), `OTEL_BSP_*` and swift-otel's other `OTEL_*` settings apply"
    )
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    public static let otlpTracesEndpoint = Setting(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", readers: [.all], default: "unset", "turns tracing on as the above, for traces only")
    /// `OTEL_TRACES_EXPORTER`.
    public static let tracesExporter = Setting(
        "OTEL_TRACES_EXPORTER", readers: [.all], default: "unset", "`otlp` turns tracing on, `none` off")
    /// `OTEL_SDK_DISABLED`.
    public static let otelDisabled = Setting("OTEL_SDK_DISABLED", readers: [.all], default: "`false`", "`true`: no tracing")
    /// `OTEL_TRACES_SAMPLER`.
    public static let tracesSampler = Setting(
        "OTEL_TRACES_SAMPLER", readers: [.all], default: "intake: 1 deployment in 10",
        "swift-otel's samplers; unset, intake samples a share of deployments and the other services follow their trace ([observability.md](observability.md#traces))"
    )
    /// `OTEL_TRACES_SAMPLER_ARG`.
    public static let tracesSamplerArgument = Setting(
        "OTEL_TRACES_SAMPLER_ARG", readers: [.all], default: "0.1", "the share intake samples when `OTEL_TRACES_SAMPLER` is unset")

    // MARK: Intake

    /// `HANGAR_HTTP_HOST`.
    public static let httpHost = Setting("HANGAR_HTTP_HOST", readers: [.intake], default: "`127.0.0.1`", "the API's and console's address")
    /// `HANGAR_HTTP_PORT`.
    public static let httpPort = Setting("HANGAR_HTTP_PORT", readers: [.intake], default: "8080", "the API's and console's port")
    /// `HANGAR_TOKENS`.
    public static let tokens = Setting(
        "HANGAR_TOKENS", readers: [.intake], default: "required", secret: true, "`name:role:secret,…` with roles viewer, deployer, admin")
    /// `HANGAR_RABBITMQ_MANAGEMENT_URL`.
    public static let managementURL = Setting(
        "HANGAR_RABBITMQ_MANAGEMENT_URL", readers: [.intake], default: "`http://guest:guest@127.0.0.1:15672`", secret: true,
        "RabbitMQ's management API, for `GET /v1/queues` (the vhost is `HANGAR_AMQP_URL`'s)")
    /// `HANGAR_INSTANCE_PRICES`.
    public static let instancePrices = Setting(
        "HANGAR_INSTANCE_PRICES", readers: [.intake], default: "unset",
        "a price table file laid over the built-in one (region → `linux`/`windows` → instance type → USD per hour); see [costs.md](costs.md)")
    /// `HANGAR_SERVER_REQUEST_TIMEOUT_MS`.
    public static let serverRequestTimeout = Setting(
        "HANGAR_SERVER_REQUEST_TIMEOUT_MS", readers: [.intake, .scheduler], default: "10000",
        "how long intake waits for a worker to answer a server request (then 504); for the scheduler, how long a worker has to take a scheduled stop (an attempt unanswered this long plus 30 s failed and is tried again)"
    )
    /// `HANGAR_EVENTS_HEARTBEAT_MS`.
    public static let eventsHeartbeat = Setting(
        "HANGAR_EVENTS_HEARTBEAT_MS", readers: [.intake], default: "15000", "a comment on an event stream after this long without a write")
    /// `HANGAR_EVENTS_LINGER_MS`.
    public static let eventsLinger = Setting(
        "HANGAR_EVENTS_LINGER_MS", readers: [.intake], default: "30000",
        "intake receives the events only while a live stream is open, and this long after the last one closed")
    /// `HANGAR_CONSOLE_DIR`.
    public static let consoleDirectory = Setting(
        "HANGAR_CONSOLE_DIR", readers: [.intake], default: "`Hangar_HangarIntake.resources/Console` next to the executable",
        "the console's files; else the source tree's `Shared/Intake/Console`")

    // MARK: Scheduler

    /// `HANGAR_SCHEDULER_MAX_ATTEMPTS`.
    public static let schedulerMaxAttempts = Setting(
        "HANGAR_SCHEDULER_MAX_ATTEMPTS", readers: [.scheduler], default: "4", "attempts per step for transient failures, the first included (1…100)")
    /// `HANGAR_SCHEDULER_RETRY_BASE_MS`.
    public static let schedulerRetryBase = Setting(
        "HANGAR_SCHEDULER_RETRY_BASE_MS", readers: [.scheduler], default: "1000",
        "the delay before the second attempt, doubled for each later one (capped at 60 s)")
    /// `HANGAR_SCHEDULER_STEP_TIMEOUT_MS`.
    public static let schedulerStepTimeout = Setting(
        "HANGAR_SCHEDULER_STEP_TIMEOUT_MS", readers: [.scheduler], default: "300000",
        "a dispatched step no worker answered for this long is dispatched again, or fails the deployment after the attempts")
    /// `HANGAR_SCHEDULER_LEASE_TIMEOUT_MS`.
    public static let schedulerLeaseTimeout = Setting(
        "HANGAR_SCHEDULER_LEASE_TIMEOUT_MS", readers: [.scheduler], default: "15000",
        "a step heard from and then silent this long is dispatched again (keep it several worker heartbeats long)")
    /// `HANGAR_SCHEDULER_KEEP_FINISHED_MS`.
    public static let schedulerKeepFinished = Setting(
        "HANGAR_SCHEDULER_KEEP_FINISHED_MS", readers: [.scheduler], default: "86400000",
        "finished deployments leave the scheduler's tables after this (reconnection requests at the end of their month); the history stays with the recorder"
    )
    /// `HANGAR_SCHEDULER_RECONCILE_INTERVAL_MS`.
    public static let schedulerReconcileInterval = Setting(
        "HANGAR_SCHEDULER_RECONCILE_INTERVAL_MS", readers: [.scheduler], default: "10000", "how often the reconciler looks for stuck deployments")
    /// `HANGAR_SCHEDULER_TIMER_LEASE_MS`.
    public static let schedulerTimerLease = Setting(
        "HANGAR_SCHEDULER_TIMER_LEASE_MS", readers: [.scheduler], default: "2000",
        "the timer lease between scheduler replicas (at least 100); a standby takes the timers over within this and a quarter of it after the holder died (on PostgreSQL within a quarter of it after a crash, this long after a freeze)"
    )

    /// `HANGAR_SCHEDULER_MISFIRE_GRACE_MS`.
    public static let schedulerMisfireGrace = Setting(
        "HANGAR_SCHEDULER_MISFIRE_GRACE_MS", readers: [.scheduler], default: "60000",
        "how late a recurring schedule's occurrence may fire and still count as on time; a later one (the scheduler was down) follows the schedule's misfire policy"
    )

    /// `HANGAR_SCHEDULER_EVENT_BATCH_WINDOW_MS`.
    public static let schedulerEventBatchWindow = Setting(
        "HANGAR_SCHEDULER_EVENT_BATCH_WINDOW_MS", readers: [.scheduler], default: "50",
        "how long the scheduler holds a transaction's events for the recorder when they can all wait (a running deployment's step events, its queued and running events), to send them as one message with those of the transactions that follow; an event that cannot wait takes the held ones with it (0: each transaction's as it commits)"
    )

    // MARK: Worker

    /// `HANGAR_WORKER_NAME`.
    public static let workerName = Setting(
        "HANGAR_WORKER_NAME", readers: [.worker], default: "`HANGAR_INSTANCE`", "the worker's name in the history and `GET /v1/workers`")
    /// `HANGAR_WORKER_CONCURRENCY`.
    public static let workerConcurrency = Setting(
        "HANGAR_WORKER_CONCURRENCY", readers: [.worker], default: "4",
        "steps run at once (1…1000); a slot is held until the broker confirms the step's outcome")
    /// `HANGAR_WORKER_PREFETCH`.
    public static let workerPrefetch = Setting(
        "HANGAR_WORKER_PREFETCH", readers: [.worker], default: "the concurrency", "step commands taken from the broker ahead")
    /// `HANGAR_WORKER_LIVE_AFTER_MS`.
    public static let workerLiveAfter = Setting(
        "HANGAR_WORKER_LIVE_AFTER_MS", readers: [.worker], default: "250",
        "a step that ends sooner reports its start and detail lines inside its outcome event")
    /// `HANGAR_WORKER_HEARTBEAT_MS`.
    public static let workerHeartbeat = Setting(
        "HANGAR_WORKER_HEARTBEAT_MS", readers: [.worker], default: "3000", "how often a running step renews its lease with the scheduler (0: never)")
    /// `HANGAR_WORKER_STATUS_MS`.
    public static let workerStatus = Setting(
        "HANGAR_WORKER_STATUS_MS", readers: [.worker], default: "5000",
        "how often it tells the recorder what it runs, for `GET /v1/workers` (0: never)")
    /// `HANGAR_SIMULATED_SERVERS_FILE`.
    public static let simulatedServersFile = Setting(
        "HANGAR_SIMULATED_SERVERS_FILE", readers: [.worker], default: "`<HANGAR_DATA_DIR>/simulated-servers.json`",
        "the simulated servers' states, shared by the workers of one machine; `off`: each worker's memory")
    /// `HANGAR_AWS_ENDPOINT_URL`.
    public static let awsEndpointURL = Setting(
        "HANGAR_AWS_ENDPOINT_URL", readers: [.worker], default: "unset: AWS",
        "every EC2, Auto Scaling, Elastic Load Balancing and Systems Manager request goes there (an emulator such as moto); `AWS_ENDPOINT_URL` too")
    /// `AWS_ENDPOINT_URL`.
    public static let awsStandardEndpointURL = Setting(
        "AWS_ENDPOINT_URL", readers: [.worker], default: "unset", "as `HANGAR_AWS_ENDPOINT_URL`, which wins")
    /// `AWS_ACCESS_KEY_ID`.
    public static let awsAccessKeyID = Setting(
        "AWS_ACCESS_KEY_ID", readers: [.worker], default: "unset", secret: true,
        "the `aws` provider's credentials with `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, never in messages or logs")
    /// `AWS_SECRET_ACCESS_KEY`.
    public static let awsSecretAccessKey = Setting(
        "AWS_SECRET_ACCESS_KEY", readers: [.worker], default: "unset", secret: true, "goes with `AWS_ACCESS_KEY_ID`")
    /// `AWS_SESSION_TOKEN`.
    public static let awsSessionToken = Setting(
        "AWS_SESSION_TOKEN", readers: [.worker], default: "unset", secret: true, "a temporary credential's token")
    /// `AWS_PROFILE`.
    public static let awsProfile = Setting(
        "AWS_PROFILE", readers: [.worker], default: "`default`", "the profile read from the shared credentials file when no key is set")
    /// `AWS_SHARED_CREDENTIALS_FILE`.
    public static let awsSharedCredentialsFile = Setting(
        "AWS_SHARED_CREDENTIALS_FILE", readers: [.worker], default: "`~/.aws/credentials`", "where the profiles are")

    // MARK: Notifier

    /// `HANGAR_SMTP_URL`.
    public static let smtpURL = Setting(
        "HANGAR_SMTP_URL", readers: [.notifier], default: "unset: the outbox folder", secret: true,
        "`smtp://user:password@host:587?starttls=required` (or `optional`, `off`), `smtps://…:465`; options `ca=/path.pem`, `insecure=1` (tests only), `connect_timeout=10`, `timeout=60` (seconds); user and password percent-encoded"
    )
    /// `HANGAR_SMTP_FROM`.
    public static let smtpFrom = Setting(
        "HANGAR_SMTP_FROM", readers: [.notifier], default: "`Hangar <hangar@localhost>`", "`Name <address>` or an address")
    /// `HANGAR_CONSOLE_URL`.
    public static let consoleURL = Setting(
        "HANGAR_CONSOLE_URL", readers: [.notifier], default: "`http://127.0.0.1:8080/console/`",
        "the console's address, for the link in the email that asks approvers to decide")
    /// `HANGAR_NOTIFIER_OUTBOX`.
    public static let notifierOutbox = Setting(
        "HANGAR_NOTIFIER_OUTBOX", readers: [.notifier], default: "`<HANGAR_DATA_DIR>/outbox`", "where emails go as `.eml` files without SMTP")
    /// `HANGAR_NOTIFY_EVENTS`.
    public static let notifyEvents = Setting(
        "HANGAR_NOTIFY_EVENTS", readers: [.notifier], default: "`started,succeeded,failed,cancelled,scheduled`",
        "the events that notify when neither the deployment nor its environment chose (also `queued`, sent only for a deployment that waits behind another, `rejected`, `awaiting_approval`)"
    )
    /// `HANGAR_NOTIFIER_RETRY_BASE_MS`.
    public static let notifierRetryBase = Setting(
        "HANGAR_NOTIFIER_RETRY_BASE_MS", readers: [.notifier], default: "1000", "the wait after a failed send, doubled after each further one")
    /// `HANGAR_NOTIFIER_RETRY_MAX_MS`.
    public static let notifierRetryMax = Setting(
        "HANGAR_NOTIFIER_RETRY_MAX_MS", readers: [.notifier], default: "300000", "the longest wait between sends")
    /// `HANGAR_NOTIFIER_MAX_ATTEMPTS`.
    public static let notifierMaxAttempts = Setting(
        "HANGAR_NOTIFIER_MAX_ATTEMPTS", readers: [.notifier], default: "200", "sends tried before a notification fails for good")
    /// `HANGAR_NOTIFIER_CONCURRENCY`.
    public static let notifierConcurrency = Setting(
        "HANGAR_NOTIFIER_CONCURRENCY", readers: [.notifier], default: "4", "emails and webhooks in flight at once")
    /// `HANGAR_NOTIFIER_LEASE_MS`.
    public static let notifierLease = Setting(
        "HANGAR_NOTIFIER_LEASE_MS", readers: [.notifier], default: "30000",
        "how long a sender's claim on due notifications lasts (renewed while they are sent)")
    /// `HANGAR_NOTIFIER_BATCH_WINDOW_MS`.
    public static let notifierBatchWindow = Setting(
        "HANGAR_NOTIFIER_BATCH_WINDOW_MS", readers: [.notifier], default: "50",
        "how long the notifier holds an event to store it with those that follow, in one transaction (0: each batch as it comes)")
    /// `HANGAR_WEBHOOK_SECRET`.
    public static let webhookSecret = Setting(
        "HANGAR_WEBHOOK_SECRET", readers: [.notifier], default: "unset: a random key in `<HANGAR_DATA_DIR>/webhook-secret`", secret: true,
        "the HMAC-SHA256 key webhooks are signed with, 16 characters or more (give it to receivers)")
    /// `HANGAR_WEBHOOK_TIMEOUT_S`.
    public static let webhookTimeout = Setting(
        "HANGAR_WEBHOOK_TIMEOUT_S", readers: [.notifier], default: "30", "how long one webhook call may take, in seconds")

    // MARK: The command line

    /// `HANGAR_API_URL`.
    public static let apiURL = Setting("HANGAR_API_URL", readers: [.cli], default: "`http://127.0.0.1:8080`", "the API `hangar` calls (`--api-url`)")
    /// `HANGAR_TOKEN`.
    public static let token = Setting(
        "HANGAR_TOKEN", readers: [.cli], default: "required", secret: true, "the bearer token `hangar` sends (`--token`)")

    /// Every setting, in the table's order.
    public static let all: [Setting] = [
        amqpURL, amqpHeartbeat, queueType, dataDirectory, databaseURL, databaseSchemaPrefix, intakeDatabaseURL, schedulerDatabaseURL,
        recorderDatabaseURL, recorderBatchWindow, notifierDatabaseURL, sqliteSynchronous, logLevel, logFormat, metricsPort, metricsHost, instance,
        otlpEndpoint,
        otlpTracesEndpoint, tracesExporter, otelDisabled, tracesSampler, tracesSamplerArgument,
        httpHost, httpPort, tokens, managementURL, instancePrices, serverRequestTimeout, eventsHeartbeat, eventsLinger, consoleDirectory,
        schedulerMaxAttempts, schedulerRetryBase, schedulerStepTimeout, schedulerLeaseTimeout, schedulerKeepFinished,
        schedulerReconcileInterval, schedulerTimerLease, schedulerMisfireGrace, schedulerEventBatchWindow,
        workerName, workerConcurrency, workerPrefetch, workerLiveAfter, workerHeartbeat, workerStatus, simulatedServersFile, awsEndpointURL,
        awsStandardEndpointURL, awsAccessKeyID, awsSecretAccessKey, awsSessionToken, awsProfile, awsSharedCredentialsFile,
        smtpURL, smtpFrom, consoleURL, notifierOutbox, notifyEvents, notifierRetryBase, notifierRetryMax, notifierMaxAttempts, notifierConcurrency,
        notifierLease, notifierBatchWindow, webhookSecret, webhookTimeout,
        apiURL, token,
    ]

    /// The database URL setting of `owner` (`scheduler`, `recorder`, `intake`, `notifier`), if it has one.
    public static func databaseURL(of owner: String) -> Setting? {
        all.first { $0.name == "HANGAR_\(owner.uppercased())_DATABASE_URL" }
    }
}
