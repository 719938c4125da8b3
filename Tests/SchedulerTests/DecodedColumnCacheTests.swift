import Foundation
import HangarContracts
import Synchronization
import Testing

@testable import HangarScheduling

@Suite("Decoded column cache")
struct DecodedColumnCacheTests {
    @Test("a text written or decoded before is not decoded again; another text for the same deployment is")
    func decodesOnlyNewText() throws {
        let cache = DecodedColumnCache<[String: String]>(generationSize: 2)
        let decodes = Mutex(0)
        func read(_ id: UUID, _ json: String) throws -> [String: String] {
            try cache.value(id, json: json) { text in
                decodes.withLock { $0 += 1 }
                return try HangarJSON.decoder.decode([String: String].self, from: Data(text.utf8))
            }
        }
        let id = UUID()
        // What this process wrote is read back without a decoder.
        let written = ["imageId": "ami-1"]
        cache.remember(id, json: JSONBytes.object(written), value: written)
        #expect(try read(id, #"{"imageId":"ami-1"}"#) == written)
        #expect(decodes.withLock { $0 } == 0)

        // Another replica wrote another text since: it is decoded, then remembered.
        let other = #"{"imageId":"ami-2","modelVersion":"3"}"#
        #expect(try read(id, other) == ["imageId": "ami-2", "modelVersion": "3"])
        #expect(try read(id, other) == ["imageId": "ami-2", "modelVersion": "3"])
        #expect(decodes.withLock { $0 } == 1)

        // Two generations of two: four more deployments push the first one out.
        for _ in 0..<4 { _ = try read(UUID(), "{}") }
        #expect(decodes.withLock { $0 } == 5)
        _ = try read(id, other)
        #expect(decodes.withLock { $0 } == 6)
    }

    @Test("the steps' and outputs' texts are what JSONEncoder writes for them")
    func textsAsJSONEncoderWrites() throws {
        let steps = [
            DeploymentStepSummary(
                name: .validate, status: .succeeded, startedAt: Date(epochMilliseconds: 1_800_000_000_123),
                finishedAt: Date(epochMilliseconds: 1_800_000_000_456), attempts: 1),
            DeploymentStepSummary(name: .createImage, status: .failed, attempts: 2, error: "quote \" and\nline"),
        ]
        #expect(JSONBytes.stepSummaries(steps) == String(decoding: try HangarJSON.encoder.encode(steps), as: UTF8.self))
        #expect(JSONBytes.stepSummaries([]) == "[]")
        let outputs = ["b": "2", "a": "1/é"]
        #expect(JSONBytes.object(outputs) == String(decoding: try HangarJSON.encoder.encode(outputs), as: UTF8.self))
    }
}
