/// The `# HELP` text of every metric Hangar's services export.
///
/// swift-prometheus's swift-metrics factory registers each metric with an empty help text, and
/// its registry refuses a second registration of the same name with another text; so the help
/// lines are added when the registry is written out (``annotate(_:)``), from this one table.
public enum MetricHelp {
    /// Help text by metric name (the family name: a histogram's, not its `_bucket` series').
    public static let texts: [String: String] = [
        // Scheduler
        "hangar_deployments_total": "Deployment lifecycle events committed by the scheduler, by status and environment.",
        "hangar_deployment_duration_seconds":
            "Seconds from submission (or the scheduled time) to the end of a deployment, by final status.",
        "hangar_deployments_in_flight": "Deployments running now.",
        "hangar_deployments_queued": "Deployments waiting for an earlier deployment of their environment to finish, by environment.",
        "hangar_outbox_backlog": "Messages committed by the scheduler and not yet confirmed by the broker.",
        "hangar_timer_lag_seconds": "How late the oldest due timer is: now minus its due time; 0 when none is due.",
        "hangar_step_retries_total": "Steps dispatched again after a transient failure, by step.",
        "hangar_reconciler_actions_total": "Running deployments nobody worked on that the reconciler dispatched again or failed.",
        // Recorder
        "hangar_dead_letters": "Dead letters kept by the recorder until an operator replays or purges them, by the queue they came from.",
        // Worker
        "hangar_steps_total": "Step runs finished by this worker, by step and outcome.",
        "hangar_step_duration_seconds": "Seconds a step run took on this worker, by step and outcome.",
        // Notifier
        "hangar_notifications_total": "Email and webhook delivery attempts, by channel and result (delivered, transient, permanent).",
        "hangar_notifications_pending": "Emails and webhook calls not yet delivered nor failed for good, by channel.",
        // Every consumer and publisher
        "hangar_messages_consumed_total": "Messages taken from a queue and handled, by queue and message type.",
        "hangar_messages_dead_lettered_total": "Messages sent to the dead-letter queue (malformed, poison, or over the delivery limit), by queue.",
        "hangar_messages_published_total": "Messages published and confirmed by the broker, by message type.",
        "hangar_publish_confirm_seconds": "Seconds from publishing a message to the broker's confirm.",
        "hangar_duplicate_collisions_total": "Message ids seen again with different content (logged as hangar.dedup.collision), by table.",
        // Intake's HTTP server (Hummingbird's metrics middleware)
        "hb_requests": "HTTP requests answered by intake, by path, method and status.",
        "hb_request_errors": "HTTP requests that ended in an error, by path, method and error.",
        "http_server_request_duration": "Seconds intake took to answer an HTTP request, by path, method and status.",
        "http_server_active_requests": "HTTP requests intake is answering now, by method.",
    ]

    /// Prometheus text with a `# HELP` line before each `# TYPE` line whose metric has a text
    /// here and no help line yet.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(exposition.count + 2048)
        let typePrefix = Array("# TYPE ".utf8)
        var lineStart = 0
        var previousWasHelp = false
        while lineStart < exposition.count {
            let lineEnd = exposition[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? exposition.count
            let line = exposition[lineStart..<lineEnd]
            if !previousWasHelp, line.starts(with: typePrefix) {
                let rest = line.dropFirst(typePrefix.count)
                let name = String(decoding: rest.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let text = texts[name] {
                    output += Array("# HELP \(name) \(text)\n".utf8)
                }
            }
            previousWasHelp = line.starts(with: Array("# HELP ".utf8))
            output += line
            if lineEnd < exposition.count { output.append(UInt8(ascii: "\n")) }
            lineStart = lineEnd + 1
        }
        return output
    }
}
