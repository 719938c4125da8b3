/// A short, stable hash of a text: 64-bit FNV-1a as 16 hex digits. The same in every process
/// and build (unlike `Hasher`, which is seeded per process), so it can go into message ids
/// and be compared across services and restarts. Not for security.
public enum Fingerprint {
    /// The FNV-1a hash of `text`'s UTF-8 bytes, as 16 lowercase hex digits (leading zeros kept).
    public static func hex(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension HangarMessage {
    /// What the message says, as far as deduplication cares: equal for a redelivery and for
    /// a re-run that reports the same event again, different when two messages share an id
    /// but are different events. Times, worker names, continuations and progress wording of
    /// a waiting outcome are left out, since a re-run reports those anew. Consumers store it
    /// with each processed message id and report a duplicate whose fingerprint differs.
    public var fingerprint: String {
        switch self {
        case .stepEvent(let event):
            var parts = [type, event.dispatchId.lowercasedString, String(event.attempt)]
            switch event.kind {
            case .started:
                break
            case .progress where event.checkAfter == nil:
                parts += ["line", event.detail ?? ""]
            case .progress:
                parts.append("waiting")
            case .succeeded, .skipped:
                parts += (event.outputs ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            case .failed:
                parts += [event.transient == true ? "transient" : "permanent"]
            }
            return Fingerprint.hex(of: parts.joined(separator: "\u{1F}"))
        case .freezeSnapshot(let snapshot):
            return Fingerprint.hex(of: "\(type)\u{1F}\(snapshot.revision)")
        case .scheduleShutdown(let command):
            return Fingerprint.hex(
                of: [type, command.messageId, command.at.map { "\($0.epochMilliseconds)" } ?? "cancel"].joined(separator: "\u{1F}"))
        case .serverRequest(let request):
            return Fingerprint.hex(of: "\(type)\u{1F}\(request.requestId.lowercasedString)")
        case .serverReply(let reply):
            return Fingerprint.hex(of: [type, reply.requestId.lowercasedString, reply.failure?.rawValue ?? "ok"].joined(separator: "\u{1F}"))
        case .auditRecord(let record):
            return Fingerprint.hex(of: "\(type)\u{1F}\(record.id.lowercasedString)")
        case .scheduleSet(let set):
            return Fingerprint.hex(of: "\(type)\u{1F}\(set.messageId)")
        case .shutdownEvent(let event):
            return Fingerprint.hex(of: "\(type)\u{1F}\(event.messageId)")
        default:
            return Fingerprint.hex(of: "\(type)\u{1F}\(deploymentId?.lowercasedString ?? "")")
        }
    }
}
