import Foundation

/// What a worker says of itself every few seconds (`worker.status` on `hangar.commands`): the
/// recorder keeps the latest of each worker for `GET /v1/workers`.
public struct WorkerStatus: Codable, Sendable, Equatable {
    /// A step the worker is running.
    public struct RunningStep: Codable, Sendable, Equatable {
        /// The deployment the step belongs to.
        @LowercaseID public var deploymentId: UUID
        /// The environment's name.
        public var environmentName: String
        /// Which step it is.
        public var step: StepName
        /// The attempt number, 1 for the first try.
        public var attempt: Int
        /// When this worker took the command. Each check on a waiting step is a new command.
        public var startedAt: Date

        /// Creates a running step.
        public init(deploymentId: UUID, environmentName: String, step: StepName, attempt: Int, startedAt: Date) {
            self.deploymentId = deploymentId
            self.environmentName = environmentName
            self.step = step
            self.attempt = attempt
            self.startedAt = startedAt
        }
    }

    /// `HANGAR_WORKER_NAME`.
    public var name: String
    /// How many steps it runs at once.
    public var concurrency: Int
    /// The steps it is running now, oldest first.
    public var running: [RunningStep]
    /// When it said this.
    public var at: Date
    /// Its last word before a graceful stop.
    public var stopping: Bool

    /// Creates a status, said at `at` (now by default).
    public init(name: String, concurrency: Int, running: [RunningStep], at: Date = Date(), stopping: Bool = false) {
        self.name = name
        self.concurrency = concurrency
        self.running = running
        self.at = at
        self.stopping = stopping
    }

    /// The AMQP type and routing key.
    public static let messageType = "worker.status"
}

/// A worker as `GET /v1/workers` lists it: its latest status.
public struct WorkerSummary: Codable, Sendable, Equatable {
    /// The worker's name (its `HANGAR_WORKER_NAME`).
    public var name: String
    /// How many steps it runs at once.
    public var concurrency: Int
    /// The steps it was running when it last reported.
    public var running: [WorkerStatus.RunningStep]
    /// When it last said anything; a worker silent for long was stopped without a word (killed).
    public var lastSeenAt: Date

    /// Creates a listing entry for one worker.
    public init(name: String, concurrency: Int, running: [WorkerStatus.RunningStep], lastSeenAt: Date) {
        self.name = name
        self.concurrency = concurrency
        self.running = running
        self.lastSeenAt = lastSeenAt
    }
}

/// The workers seen in the last hour, by name.
public struct WorkerList: Codable, Sendable, Equatable {
    /// The workers, sorted by name.
    public var items: [WorkerSummary]
    /// Creates a list of workers.
    public init(items: [WorkerSummary]) { self.items = items }
}
