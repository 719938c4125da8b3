import Metrics
import Synchronization

/// A gauge with one label, recorded from a fresh count per label value each time (queued
/// deployments per environment, kept dead letters per queue): a value counted before and
/// absent now is recorded as 0, so its series does not stay at its last count.
public final class CountsGauge: Sendable {
    private let label: String
    private let dimension: String
    private let reported = Mutex<Set<String>>([])

    /// A gauge named `label` (for example `hangar_dead_letters`) with one dimension named `dimension`
    /// (for example `queue`).
    public init(label: String, dimension: String) {
        self.label = label
        self.dimension = dimension
    }

    /// Records each label value's count, and 0 for each value recorded last time that `counts` no longer has.
    public func record(_ counts: [String: Int]) {
        reported.withLock { reported in
            for value in reported.union(counts.keys) {
                Gauge(label: label, dimensions: [(dimension, value)]).record(counts[value] ?? 0)
            }
            reported = Set(counts.keys)
        }
    }
}
