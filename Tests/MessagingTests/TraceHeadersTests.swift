import HangarMessaging
import Testing

@Suite("Trace headers")
struct TraceHeadersTests {
    @Test("only a sampled traceparent is passed on")
    func sampledFlag() {
        #expect(TraceHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
        #expect(!TraceHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(TraceHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03"))
        #expect(!TraceHeaders.isSampled("garbage"))
    }
}
