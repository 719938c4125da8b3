import HangarRuntime
import Testing

@Suite("Trace sampling")
struct TraceSamplingTests {
    @Test("1 deployment in 10 unless OTEL_TRACES_SAMPLER_ARG says another share; none of ours when OTEL_TRACES_SAMPLER is set")
    func defaultRatio() throws {
        func ratio(_ variables: [String: String]) throws -> Double? {
            defaultTraceSampleRatio(try ServiceEnvironment(service: "intake", variables: variables))
        }
        #expect(try ratio([:]) == 0.1)
        #expect(try ratio(["OTEL_TRACES_SAMPLER_ARG": "0.25"]) == 0.25)
        #expect(try ratio(["OTEL_TRACES_SAMPLER_ARG": "7"]) == 0.1, "not a share: the default")
        #expect(try ratio(["OTEL_TRACES_SAMPLER": "parentbased_always_on"]) == nil, "swift-otel reads the operator's sampler")
        #expect(try ratio(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"]) == nil)
    }
}
