import Foundation
import HangarContracts
import HangarHarness
import Testing

@Suite("JSON logs end to end", .serialized, .timeLimit(.minutes(3)))
struct LogFormatEndToEndTests {
    @Test("with HANGAR_LOG_FORMAT=json every line of every service is a JSON object, and a deployment's lines carry its id")
    func jsonLines() async throws {
        let system = try await HangarSystem("json-logs", extraEnvironment: ["HANGAR_LOG_FORMAT": "json", "HANGAR_LOG_LEVEL": "debug"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("web")
        let id = try await system.deploy("web")
        _ = try await system.wait(for: id, status: .succeeded)

        var mentions = 0
        let logs = system.allLogs()
        #expect(Set(logs.keys).isSuperset(of: ["intake", "scheduler", "recorder", "notifier", "worker-1"]))
        for (service, text) in logs {
            let lines = text.split(separator: "\n")
            #expect(!lines.isEmpty, "\(service) wrote nothing")
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "\(service): not a JSON object: \(line)")
                guard let object else { continue }
                #expect(["time", "level", "service", "message"].allSatisfy { object[$0] is String }, "\(service): \(line)")
                let metadata = object["metadata"] as? [String: Any] ?? [:]
                if metadata.values.contains(where: { "\($0)".lowercased().contains(id.uuidString.lowercased()) }) { mentions += 1 }
            }
        }
        #expect(mentions > 0, "some line names the deployment in its metadata")
    }
}
