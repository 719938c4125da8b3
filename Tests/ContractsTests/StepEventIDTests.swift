import Foundation
import HangarContracts
import Testing

@Suite("Step event ids")
struct StepEventIDTests {
    @Test("a detail line's index is read back from its id; other ids have none")
    func lineIndex() {
        let run = StepEventID.run(dispatchId: UUID(), attempt: 2, poll: 11)
        for index in [0, 1, 9, 10, 11, 123_456] {
            #expect(StepEventID.lineIndex(of: StepEventID.line(run: run, index: index, text: "line \(index) of a.line.7.x")) == index)
        }
        #expect(StepEventID.lineIndex(of: StepEventID.started(run: run)) == nil)
        #expect(StepEventID.lineIndex(of: StepEventID.outcome(run: run)) == nil)
        #expect(StepEventID.lineIndex(of: StepEventID.outcome(run: run) + "#3") == nil, "a line an outcome carries is ordered by its place in it")
        #expect(StepEventID.lineIndex(of: "\(run).line..abc") == nil)
        #expect(StepEventID.lineIndex(of: "\(run).line.+4.abc") == nil)
    }

    @Test("an outcome's id gives back its run; other ids give none")
    func runOfOutcome() {
        let run = StepEventID.run(dispatchId: UUID(), attempt: 1, poll: 3)
        #expect(StepEventID.run(ofOutcome: StepEventID.outcome(run: run)) == run)
        #expect(StepEventID.run(ofOutcome: StepEventID.started(run: run)) == nil)
        #expect(StepEventID.run(ofOutcome: StepEventID.line(run: run, index: 0, text: "outcome")) == nil)
    }
}
