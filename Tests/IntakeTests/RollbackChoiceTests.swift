import Foundation
import HangarContracts
import HangarHistory
import Testing

@testable import HangarIntake

/// Which release a rollback returns to, from an environment's succeeded deployments.
@Suite("Rollback choice")
struct RollbackChoiceTests {
    /// Releases r1…r4 (models 11…14) ended in that order, r4 last.
    static let base = Date(timeIntervalSince1970: 1_800_000_000)
    static func release(_ n: Int, removed: String? = nil) -> SucceededDeployment {
        var outputs = ["mainModelVersion": "\(10 + n)", "imageId": "ami-\(n)"]
        if let removed { outputs["removedModelVersions"] = removed }
        return SucceededDeployment(
            id: UUID(uuidString: "00000000-0000-7000-8000-00000000000\(n)")!, version: "r\(n)", outputs: outputs, rollback: nil,
            finishedAt: base.addingTimeInterval(Double(n) * 60))
    }
    static func rollback(_ n: Int, to target: SucceededDeployment, from: SucceededDeployment, at minute: Int) -> SucceededDeployment {
        SucceededDeployment(
            id: UUID(uuidString: "00000000-0000-7000-8000-0000000000a\(n)")!, version: target.version,
            outputs: target.outputs.filter { $0.key != "removedModelVersions" },
            rollback: RollbackOf(
                deploymentId: target.id, version: target.version, modelVersion: target.outputs["mainModelVersion"]!, imageId: nil,
                fromDeploymentId: from.id, fromVersion: from.version, fromModelVersion: from.outputs["mainModelVersion"]!),
            finishedAt: base.addingTimeInterval(Double(minute) * 60))
    }
    /// Newest first, as the history hands them out.
    static func newestFirst(_ list: [SucceededDeployment]) -> [SucceededDeployment] { list.sorted { $0.finishedAt > $1.finishedAt } }

    @Test("without `to`: the release before the running one, and one further back after a rollback")
    func previousRelease() throws {
        let (r1, r2, r3) = (Self.release(1), Self.release(2), Self.release(3))
        let chosen = try RollbackChoice.choose(to: nil, among: Self.newestFirst([r1, r2, r3])).get()
        #expect(chosen.deploymentId == r2.id && chosen.modelVersion == "12" && chosen.imageId == "ami-2")
        #expect(chosen.fromDeploymentId == r3.id && chosen.fromVersion == "r3" && chosen.fromModelVersion == "13")
        // After rolling back to r2, the next rollback goes to r1, not forth to r3.
        let back = Self.rollback(1, to: r2, from: r3, at: 10)
        let next = try RollbackChoice.choose(to: nil, among: Self.newestFirst([r1, r2, r3, back])).get()
        #expect(next.deploymentId == r1.id && next.fromDeploymentId == back.id && next.fromModelVersion == "12")
    }

    @Test("with `to`: that release, a rollback standing for its release; refused when it runs now or is unknown")
    func namedRelease() throws {
        let (r1, r2, r3) = (Self.release(1), Self.release(2), Self.release(3))
        let back = Self.rollback(1, to: r1, from: r3, at: 10)
        let list = Self.newestFirst([r1, r2, r3, back])
        #expect(try RollbackChoice.choose(to: r3.id, among: list).get().deploymentId == r3.id)
        #expect(try RollbackChoice.choose(to: r2.id, among: list).get().modelVersion == "12")
        // `back` stands for r1, which runs now.
        guard case .failure(let running) = RollbackChoice.choose(to: back.id, among: list) else {
            Issue.record("accepted")
            return
        }
        #expect(running.status == .conflict && running.detail?.contains("is what runs now") == true && running.errors.map(\.field) == ["to"])
        guard case .failure(let unknown) = RollbackChoice.choose(to: UUID(), among: list) else {
            Issue.record("accepted")
            return
        }
        #expect(unknown.detail?.contains("is not a succeeded deployment of this environment") == true)
    }

    @Test("refused when nothing succeeded, nothing came before, or housekeeping removed the model")
    func nothingToReturnTo() {
        guard case .failure(let empty) = RollbackChoice.choose(to: nil, among: []) else {
            Issue.record("accepted")
            return
        }
        #expect(empty.status == .conflict && empty.detail?.contains("nothing has succeeded") == true && empty.errors.isEmpty)
        guard case .failure(let alone) = RollbackChoice.choose(to: nil, among: [Self.release(1)]) else {
            Issue.record("accepted")
            return
        }
        #expect(alone.detail?.contains("no release succeeded before version r1") == true)
        let list = Self.newestFirst([Self.release(1), Self.release(2), Self.release(3, removed: "11")])
        guard case .failure(let removed) = RollbackChoice.choose(to: Self.release(1).id, among: list) else {
            Issue.record("accepted")
            return
        }
        #expect(removed.detail?.contains("model version 11 of version r1 was removed by deployment") == true, "\(removed.detail ?? "")")
    }
}
