import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Vhosts that test processes no longer running left on the broker.
///
/// Each system's vhost ends with the test process's id (`….pid1234`). A test stops its system
/// from a task its `defer` starts, which the process may not wait for when it is the last
/// test, and a killed run stops nothing: either leaves the vhost with its queues. The first
/// system a process makes deletes the vhosts of processes that have ended.
extension HangarSystem {
    /// The suffix that names the process a vhost belongs to.
    public static var processSuffix: String { ".pid\(getpid())" }

    /// Deletes, once per process, the `hangar-test-` vhosts whose process has ended.
    static func deleteStaleVhosts() async {
        guard
            staleVhostsSwept.withLock({ swept in
                defer { swept = true }
                return !swept
            })
        else { return }
        _ = try? await sweepStaleVhosts()
    }

    /// Deletes the `hangar-test-` vhosts whose process has ended; returns their names.
    @discardableResult
    public static func sweepStaleVhosts() async throws -> [String] {
        let stale = try await vhostNames().filter { isStale($0, alive: { kill($0, 0) == 0 || errno == EPERM }) }
        for name in stale {
            try await management("DELETE", "/api/vhosts/\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)")
        }
        return stale
    }

    /// The names of the broker's vhosts.
    public static func vhostNames() async throws -> [String] {
        var request = URLRequest(url: URL(string: managementURL + "/api/vhosts?columns=name")!)
        request.setValue("Basic \(Data("guest:guest".utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.compactMap { $0["name"] as? String }
    }

    /// Whether `vhost` is a test system's whose process is not `alive`.
    static func isStale(_ vhost: String, alive: (pid_t) -> Bool) -> Bool {
        guard vhost.hasPrefix("hangar-test-"), let marker = vhost.range(of: ".pid", options: .backwards),
            let pid = pid_t(vhost[marker.upperBound...]), pid > 0
        else { return false }
        return pid != getpid() && !alive(pid)
    }

    private static let staleVhostsSwept = Mutex(false)
}
