import Foundation
import HangarContracts
import NIOCore
import Testing

@testable import HangarIntake

/// The history page's hand-written JSON against `HangarJSON.encoder`, byte for byte.
@Suite("History page JSON")
struct HistoryPageJSONTests {
    /// Texts that need every kind of escape, and some that need none.
    static let texts = [
        "", "v1.2.3", "a/b", "quote \" and backslash \\", "tab\tnew\nline\rcr", "bell \u{07} nul \u{00} us \u{1F}",
        "\u{08}\u{0C}", "del \u{7F}", "é ü 漢字 🚀", "line\u{2028}separator", "</script>",
    ]

    @Test("writes the bytes JSONEncoder writes, for 500 random pages")
    func sameBytesAsJSONEncoder() throws {
        var generator = SystemRandomNumberGenerator()
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        func date() -> Date { Date(epochMilliseconds: Int64.random(in: 0...4_102_444_800_000, using: &generator)) }
        for round in 0..<500 {
            let items = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                DeploymentSummary(
                    id: UUID(), environmentId: maybe(UUID()), environmentName: maybe(Self.texts.randomElement()!),
                    version: maybe(Self.texts.randomElement()!), owner: maybe(Self.texts.randomElement()!),
                    status: DeploymentStatus.allCases.randomElement()!, mode: maybe(PublishMode.allCases.randomElement()!),
                    createdAt: maybe(date()), scheduledAt: maybe(date()), startedAt: maybe(date()), finishedAt: maybe(date()),
                    durationMs: maybe(Int64.random(in: -5...Int64.max, using: &generator)),
                    steps: StepName.allCases.prefix(Int.random(in: 0...6, using: &generator)).map {
                        StepSummary(
                            name: $0, status: StepStatus.allCases.randomElement()!, startedAt: maybe(date()), finishedAt: maybe(date()),
                            durationMs: maybe(Int64.random(in: 0...100_000, using: &generator)))
                    },
                    rollback: maybe(
                        RollbackOf(
                            deploymentId: UUID(), version: Self.texts.randomElement()!, modelVersion: Self.texts.randomElement()!,
                            imageId: maybe(Self.texts.randomElement()!), fromDeploymentId: UUID(), fromVersion: Self.texts.randomElement()!,
                            fromModelVersion: Self.texts.randomElement()!)))
            }
            let page = HistoryPage(items: items, nextCursor: maybe(Self.texts.randomElement()!))
            let expected = try HangarJSON.encoder.encode(page)
            let written = Data(buffer: HistoryPageJSON.encode(page))
            #expect(written == expected, "round \(round): \(String(decoding: written, as: UTF8.self))")
            if written != expected { break }
            #expect(try HangarJSON.decoder.decode(HistoryPage.self, from: written) == page)
        }
    }
}
