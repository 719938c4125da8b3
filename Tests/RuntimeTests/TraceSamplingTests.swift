import HangarRuntime
import Testing

@Suite("Trace sampling")
struct TraceSamplingTests {
    @Test(
        "intake starts a trace for 1 deployment in 10 (or OTEL_TRACES_SAMPLER_ARG); the others only follow sampled parents; OTEL_TRACES_SAMPLER wins")
    func defaults() throws {
        func sampling(_ service: String, _ variables: [String: String] = [:]) throws -> DefaultTraceSampling? {
            defaultTraceSampling(try ServiceEnvironment(service: service, variables: variables))
        }
        #expect(try sampling("intake") == .rootRatio(0.1))
        #expect(try sampling("intake", ["OTEL_TRACES_SAMPLER_ARG": "0.25"]) == .rootRatio(0.25))
        #expect(try sampling("intake", ["OTEL_TRACES_SAMPLER_ARG": "7"]) == .rootRatio(0.1), "not a share: the default")
        for service in ["scheduler", "worker", "recorder", "notifier"] {
            #expect(try sampling(service) == .followSampledParents)
        }
        #expect(try sampling("intake", ["OTEL_TRACES_SAMPLER": "parentbased_always_on"]) == nil, "swift-otel reads the operator's sampler")
        #expect(try sampling("worker", ["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"]) == nil)
    }
}
