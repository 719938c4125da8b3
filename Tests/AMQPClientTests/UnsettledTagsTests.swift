import Testing

@testable import AMQPClient

@Suite("Ack coalescing")
struct UnsettledTagsTests {
    @Test("acks covering every unsettled tag up to one become a single multiple-ack")
    func contiguousRun() {
        var tags = UnsettledTags()
        for tag in 1...10 { tags.delivered(UInt64(tag)) }
        let plan = tags.plan([1, 2, 3, 4])
        #expect(plan.multiple == 4)
        #expect(plan.single.isEmpty)
    }

    @Test("a gap (a delivery still being handled) stops the run; the rest go one by one")
    func gap() {
        var tags = UnsettledTags()
        for tag in 1...10 { tags.delivered(UInt64(tag)) }
        let plan = tags.plan([1, 2, 3, 5, 6])
        #expect(plan.multiple == 3)
        #expect(Array(plan.single) == [5, 6])
        // Tag 1 unsettled: nothing may be covered by a multiple-ack.
        let blocked = tags.plan([2, 3, 4])
        #expect(blocked.multiple == nil)
        #expect(Array(blocked.single) == [2, 3, 4])
    }

    @Test("tags settled out of order (for example nacked) are skipped over")
    func settledOutOfOrder() {
        var tags = UnsettledTags()
        for tag in 1...6 { tags.delivered(UInt64(tag)) }
        tags.settled(2)  // nacked earlier
        #expect(!tags.contains(2))
        let plan = tags.plan([1, 3, 4])
        #expect(plan.multiple == 4)
        for tag: UInt64 in [1, 3, 4] { tags.settled(tag) }
        #expect(tags.count == 2)
        #expect(tags.contains(5) && tags.contains(6))
        #expect(!tags.contains(1) && !tags.contains(7))
    }

    @Test("a single ack is not sent as multiple")
    func single() {
        var tags = UnsettledTags()
        tags.delivered(7)
        tags.delivered(8)
        let plan = tags.plan([7])
        #expect(plan.multiple == nil)
        #expect(Array(plan.single) == [7])
    }
}
