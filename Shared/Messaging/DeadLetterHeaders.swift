/// The headers Hangar writes on a dead letter (``DeadLetterer``) and on a replayed one.
public enum DeadLetterHeaders {
    /// Why it could not be processed.
    public static let reason = "x-hangar-dead-reason"
    /// The queue it was taken from.
    public static let originalQueue = "x-hangar-original-queue"
    /// When it was dead-lettered, in milliseconds since 1970.
    public static let deadAt = "x-hangar-dead-at"
    /// How many times an operator replayed it.
    public static let replays = "x-hangar-replays"

    /// Headers that describe one dead-lettering (Hangar's and the broker's `x-death` family):
    /// a replay removes them, so the message starts afresh in its queue.
    public static func isDeathHeader(_ name: String) -> Bool {
        name == reason || name == originalQueue || name == deadAt || name == RedeliveryGuard.redeliveriesHeader
            || name == "x-death" || name.hasPrefix("x-first-death-") || name.hasPrefix("x-last-death-") || name == "x-delivery-count"
    }
}
