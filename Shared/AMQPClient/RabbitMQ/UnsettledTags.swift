import DequeModule

/// The delivery tags of one consumer channel that are delivered but not yet settled, so
/// that a batch of acks can go out as one `basic.ack` with `multiple` set — which acks every
/// unsettled tag up to it, and is therefore only right when all of those are in the batch.
struct UnsettledTags {
    private var tags = Deque<UInt64>()
    private var settledOutOfOrder = Set<UInt64>()

    var count: Int { tags.count - settledOutOfOrder.count }

    /// Records a delivery (tags rise on a channel).
    mutating func delivered(_ tag: UInt64) {
        tags.append(tag)
    }

    /// Whether `tag` is delivered and not yet settled (settling it twice would make the
    /// broker close the channel).
    func contains(_ tag: UInt64) -> Bool {
        guard !settledOutOfOrder.contains(tag) else { return false }
        var low = tags.startIndex
        var high = tags.endIndex - 1
        while low <= high {
            let middle = (low + high) / 2
            if tags[middle] == tag { return true }
            if tags[middle] < tag { low = middle + 1 } else { high = middle - 1 }
        }
        return false
    }

    /// Records that `tag` was settled.
    mutating func settled(_ tag: UInt64) {
        if tags.first == tag {
            tags.removeFirst()
            while let first = tags.first, settledOutOfOrder.remove(first) != nil {
                tags.removeFirst()
            }
        } else {
            settledOutOfOrder.insert(tag)
        }
    }

    /// Splits `acks` (ascending) into the largest tag that one multiple-ack may carry —
    /// every unsettled tag up to it is in `acks` — and the tags that must be acked one by one.
    func plan(_ acks: [UInt64]) -> (multiple: UInt64?, single: ArraySlice<UInt64>) {
        var covered = 0
        var index = tags.startIndex
        while covered < acks.count, index < tags.endIndex {
            let tag = tags[index]
            index += 1
            if settledOutOfOrder.contains(tag) { continue }
            guard tag == acks[covered] else { break }
            covered += 1
        }
        guard covered >= 2 else { return (nil, acks[...]) }
        return (acks[covered - 1], acks[covered...])
    }

    /// Forgets everything (the channel was replaced).
    mutating func reset() {
        tags.removeAll()
        settledOutOfOrder.removeAll()
    }
}
