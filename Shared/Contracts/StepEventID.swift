import Foundation

/// The deterministic message ids of step events.
///
/// One run of a dispatched step (`<dispatchId>.a<attempt>.p<poll>`) publishes at most one
/// `started`, its detail lines and exactly one outcome, and each of these has an id of its
/// own kind, so an id names the same event whichever run publishes it: a re-run after a
/// crash repeats the ids of what it repeats, and its outcome can never take the id of a
/// detail line the killed run published (the cause of a stall, issue #19).
public enum StepEventID {
    /// `0192…-7c1e.a1.p0`: the run's prefix.
    public static func run(dispatchId: UUID, attempt: Int, poll: Int) -> String {
        "\(dispatchId.lowercasedString).a\(attempt).p\(poll)"
    }

    /// The run's `step.started`: `<run>.started`.
    public static func started(run: String) -> String { "\(run).started" }

    /// The run's outcome, whichever it is (succeeded, skipped, failed, or waiting with a
    /// continuation): `<run>.outcome`.
    public static func outcome(run: String) -> String { run + outcomeSuffix }

    /// The run whose outcome has the id `id` (``outcome(run:)``); `nil` for any other id.
    public static func run(ofOutcome id: String) -> String? {
        id.hasSuffix(outcomeSuffix) ? String(id.dropLast(outcomeSuffix.count)) : nil
    }

    private static let outcomeSuffix = ".outcome"

    /// The `index`-th detail line (from 0), keyed by its text as well:
    /// `<run>.line.<index>.<16 hex digits of the text's FNV-1a hash>`. A re-run that reports
    /// the same line repeats its id; one that reports something else at that position gets
    /// another id, so both lines stay in the history.
    public static func line(run: String, index: Int, text: String) -> String {
        "\(run).line.\(index).\(Fingerprint.hex(of: text))"
    }

    /// The index of the detail line whose id is `id` (``line(run:index:text:)``); `nil` for
    /// any other id. The history orders a run's lines of the same millisecond by it.
    public static func lineIndex(of id: String) -> Int? {
        guard let marker = id.range(of: ".line.", options: .backwards) else { return nil }
        let digits = id[marker.upperBound...].prefix { $0 != "." }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let index = Int(digits) else { return nil }
        return index
    }
}
