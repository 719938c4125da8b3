import HangarRuntime
import Testing

@Suite("Metric help texts")
struct MetricHelpTests {
    @Test("a HELP line goes before each TYPE line of a known metric; everything else is kept as it is")
    func annotate() {
        let exposition = """
            # TYPE hangar_outbox_backlog gauge
            hangar_outbox_backlog 3
            # TYPE some_unknown_total counter
            some_unknown_total 1
            # HELP hangar_steps_total Already described.
            # TYPE hangar_steps_total counter
            hangar_steps_total{step="finalize",outcome="succeeded"} 2

            """
        let annotated = String(decoding: MetricHelp.annotate(Array(exposition.utf8)), as: UTF8.self)
        #expect(
            annotated == """
                # HELP hangar_outbox_backlog \(MetricHelp.texts["hangar_outbox_backlog"]!)
                # TYPE hangar_outbox_backlog gauge
                hangar_outbox_backlog 3
                # TYPE some_unknown_total counter
                some_unknown_total 1
                # HELP hangar_steps_total Already described.
                # TYPE hangar_steps_total counter
                hangar_steps_total{step="finalize",outcome="succeeded"} 2

                """)
    }

    @Test("help texts are one line each, as the text format requires")
    func oneLine() {
        for (name, text) in MetricHelp.texts {
            #expect(!text.isEmpty && !text.contains("\n") && !text.contains("\\"), "\(name)")
        }
    }
}
