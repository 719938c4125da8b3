import ArgumentParser
import Foundation

/// What went wrong, with the exit code it maps to. Printed to standard error.
enum CLIError: Error, CustomStringConvertible {
    /// The command line or settings are wrong.
    case usage(String)
    /// The API answered with a problem (4xx).
    case refused(status: Int, title: String, detail: String?, errors: [(field: String, message: String)])
    /// The API could not be reached, timed out or failed (5xx).
    case unreachable(String)

    var description: String {
        switch self {
        case .usage(let message): return "hangar: \(message)"
        case .refused(let status, let title, let detail, let errors):
            var lines = ["hangar: \(title) (HTTP \(status))\(detail.map { ": \($0)" } ?? "")"]
            lines += errors.map { "  \($0.field): \($0.message)" }
            return lines.joined(separator: "\n")
        case .unreachable(let message): return "hangar: \(message)"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .usage: return ExitStatus.usage
        case .refused: return ExitStatus.refused
        case .unreachable: return ExitStatus.unreachable
        }
    }
}

/// Runs a command body: prints a ``CLIError`` to standard error and exits with its code.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw error.exitCode
    }
}
