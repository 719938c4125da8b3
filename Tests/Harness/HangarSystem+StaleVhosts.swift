import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Vhosts and data folders that test processes no longer running left behind.
///
/// Each system's vhost and data folder end with the test process's id (`….pid1234`). A test
/// stops its system from a task its `defer` starts, which the process may not wait for when
/// it is the last test, and a killed run (a benchmark stopped by `timeout`, say) stops
/// nothing: either leaves the vhost with its queues and the folder with its stores and logs.
/// The first system a process makes deletes those of processes that have ended.
extension HangarSystem {
    /// The suffix that names the process a vhost belongs to.
    public static var processSuffix: String { ".pid\(getpid())" }

    /// Deletes, once per process, the `hangar-test-` vhosts and `hangar-e2e-` data folders
    /// whose process has ended.
    static func deleteStaleLeftovers() async {
        guard
            staleLeftoversSwept.withLock({ swept in
                defer { swept = true }
                return !swept
            })
        else { return }
        _ = try? await sweepStaleVhosts()
        _ = try? sweepStaleDataFolders()
    }

    /// Deletes the `hangar-e2e-` data folders (in the temporary directory) whose process has
    /// ended; returns their names. Folders without a process id are left alone.
    @discardableResult
    public static func sweepStaleDataFolders() throws -> [String] {
        let folder = FileManager.default.temporaryDirectory
        let stale = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            isStale($0, prefix: dataFolderPrefix, alive: isRunning)
        }
        for name in stale { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        return stale
    }

    /// How every system's data folder's name begins.
    public static let dataFolderPrefix = "hangar-e2e-"

    /// Deletes the `hangar-test-` vhosts whose process has ended; returns their names.
    @discardableResult
    public static func sweepStaleVhosts() async throws -> [String] {
        let stale = try await vhostNames().filter { isStale($0, alive: isRunning) }
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

    /// Whether process `pid` is running (signal 0 reaches it, or it is another user's).
    static func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Whether `name` (a vhost's, or with `prefix` a data folder's) is a test system's whose
    /// process is not `alive`.
    static func isStale(_ name: String, prefix: String = "hangar-test-", alive: (pid_t) -> Bool) -> Bool {
        guard name.hasPrefix(prefix), let marker = name.range(of: ".pid", options: .backwards),
            let pid = pid_t(name[marker.upperBound...]), pid > 0
        else { return false }
        return pid != getpid() && !alive(pid)
    }

    private static let staleLeftoversSwept = Mutex(false)
}
