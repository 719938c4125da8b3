import Foundation

extension Setting {
    /// The Markdown table of every setting (``all``), as docs/configuration.md shows it.
    public static var markdownTable: String {
        var table = "| variable | read by | default | what it does |\n|---|---|---|---|\n"
        for setting in all {
            let readers = setting.readers.map { $0 == .all ? "all services" : $0 == .cli ? "`hangar`" : $0.rawValue }.joined(separator: ", ")
            let summary = setting.summary.replacingOccurrences(of: "|", with: "\\|")
            table += "| `\(setting.name)` | \(readers) | \(setting.defaultValue) | \(summary) |\n"
        }
        return table
    }
}
