/// The columns of `scheduler_deployments` that transitions change, as SQL values, in the order
/// of ``names``. A record keeps them as its row had them (``DeploymentRecord/storedColumns``),
/// and ``SchedulerTransaction/update(_:)`` writes only the columns whose values differ: an
/// `UPDATE` that sets a column rewrites the entries of every index on it, changed or not, and a
/// step's dispatch changes none of the indexed ones.
struct DeploymentColumns: Equatable, Sendable {
    /// One column's SQL value.
    enum Value: Equatable, Sendable {
        case text(String?)
        case integer(Int64?)

        /// The value to bind.
        var bind: any Encodable & Sendable {
            switch self {
            case .text(let text): text
            case .integer(let integer): integer
            }
        }
    }

    /// The columns' names, in the order of ``values``.
    static let names = [
        "status", "current_step", "attempt", "poll", "dispatch_id", "dispatched_at", "last_heard_at", "outputs", "cancel_requested",
        "cancelled_by", "started_at", "finished_at", "reason", "steps", "approval", "pause",
    ]

    /// The values, in the order of ``names``.
    var values: [Value]

    /// The indices of the columns whose values differ from `stored`'s; every column when
    /// there is no `stored`.
    func changed(since stored: DeploymentColumns?) -> [Int] {
        guard let stored else { return Array(values.indices) }
        return values.indices.filter { values[$0] != stored.values[$0] }
    }
}
