import HangarContracts
import HangarNotification
import HangarSettings
import Testing

@Suite("Notifier configuration")
struct NotifierConfigurationTests {
    @Test("SMTP URLs: STARTTLS required by default, optional, off, smtps, credentials and options")
    func smtpURLs() throws {
        let plain = try SMTPSettings(url: "smtp://mail.example.com")
        #expect(plain.port == 587 && plain.security == .starttlsRequired && plain.username == nil)
        let full = try SMTPSettings(url: "smtp://us%40er:p%3Ass@127.0.0.1:2525?starttls=optional&ca=/tmp/ca.pem&connect_timeout=3&timeout=9")
        #expect(full.username == "us@er" && full.password == "p:ss" && full.port == 2525)
        #expect(full.security == .starttlsOptional && full.caFile == "/tmp/ca.pem")
        #expect(full.connectTimeoutSeconds == 3 && full.timeoutSeconds == 9)
        #expect(!full.description.contains("p:ss"))
        #expect(try SMTPSettings(url: "smtp://h:25?starttls=off").security == .none)
        let implicit = try SMTPSettings(url: "smtps://h?insecure=1")
        #expect(implicit.security == .implicitTLS && implicit.port == 465 && implicit.insecure)
        #expect(throws: SettingError.self) { try SMTPSettings(url: "http://h") }
        #expect(throws: SettingError.self) { try SMTPSettings(url: "smtp://h?starttls=maybe") }
        #expect(throws: SettingError.self) { try SMTPSettings(url: "smtp://h?bogus=1") }
        // The error names the variable, never the URL (it may hold a password).
        #expect {
            try SMTPSettings(url: "ftp://user:hunter22@h")
        } throws: { "\($0)" == "HANGAR_SMTP_URL must be an smtp:// or smtps:// URL" }
    }

    @Test("events, From and defaults from the environment")
    func environment() throws {
        let defaults = try NotifierConfiguration(settings: SettingsReader(variables: [:]), dataDirectory: "/data")
        #expect(defaults.smtp == nil && defaults.outboxDirectory == "/data/outbox")
        #expect(defaults.fromName == "Hangar" && defaults.fromAddress == "hangar@localhost")
        #expect(defaults.events == [.running, .succeeded, .failed, .cancelled, .scheduled])
        let custom = try NotifierConfiguration(
            settings: SettingsReader(variables: ["HANGAR_NOTIFY_EVENTS": "failed, rejected", "HANGAR_SMTP_FROM": "\"Ops Bot\" <ops@example.com>"]),
            dataDirectory: "/d")
        #expect(custom.events == [.failed, .rejected])
        #expect(custom.fromName == "Ops Bot" && custom.fromAddress == "ops@example.com")
        #expect(throws: SettingError.self) {
            try NotifierConfiguration(settings: SettingsReader(variables: ["HANGAR_NOTIFY_EVENTS": "exploded"]), dataDirectory: "/d")
        }
        #expect(throws: SettingError.self) {
            try NotifierConfiguration(settings: SettingsReader(variables: ["HANGAR_SMTP_FROM": "x <a b@c>"]), dataDirectory: "/d")
        }
    }
}
