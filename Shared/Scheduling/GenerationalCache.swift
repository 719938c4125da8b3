import Foundation
import Synchronization

/// Values by deployment id, bounded by two generations without bookkeeping per entry: a
/// lookup tries the current generation, then the previous one; when the current one is full
/// it becomes the previous one, and the oldest generation is dropped. ``RequestCache`` and
/// ``DecodedColumnCache`` keep their values in one.
final class GenerationalCache<Value: Sendable>: Sendable {
    private struct Generations: Sendable {
        var current: [UUID: Value] = [:]
        var previous: [UUID: Value] = [:]
    }

    private let generations = Mutex(Generations())
    /// Entries per generation: at most twice this many are kept.
    let generationSize: Int

    init(generationSize: Int) {
        self.generationSize = generationSize
    }

    /// The value kept for `id`, if any.
    func value(_ id: UUID) -> Value? {
        generations.withLock { $0.current[id] ?? $0.previous[id] }
    }

    /// Keeps `value` for `id` in the current generation.
    func keep(_ value: Value, for id: UUID) {
        generations.withLock { generations in
            if generations.current[id] == nil, generations.current.count >= generationSize {
                generations.previous = generations.current
                generations.current = [:]
            }
            generations.current[id] = value
        }
    }

    /// How many values are kept (both generations).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }
}
