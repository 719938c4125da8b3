import Foundation

/// Where intake finds a folder of the `HangarIntake` target's resources (the console's files, the
/// price table), first match wins:
/// 1. `explicit` (a setting such as `HANGAR_CONSOLE_DIR`);
/// 2. `Hangar_HangarIntake.resources/<name>` next to the executable: SwiftPM copies the target's
///    resources there (`swift build`, and the container image copies that folder along with
///    the binaries);
/// 3. `Shared/Intake/<name>` of the source tree this was built from (development).
///
/// A candidate counts when it holds `marker`.
enum BundledResources {
    static func directory(named name: String, containing marker: String, explicit: String? = nil) -> String? {
        // Bundle.main.executableURL is /proc/self/exe's target on Linux: right even when the
        // executable was found through PATH.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? ""))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        let bundled: String = executable.appendingPathComponent("Hangar_HangarIntake.resources/\(name)").path(percentEncoded: false)
        let source: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name)
            .path(percentEncoded: false)
        let candidates: [String] = [explicit, bundled, source].compactMap { $0 }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        return candidates.first { FileManager.default.fileExists(atPath: "\($0)/\(marker)") }
    }
}
