import HangarSettings
import Testing

@testable import HangarScheduling

@Suite("Scheduler: its settings")
struct SchedulerSettingsTests {
    @Test("read in one place: given values, defaults for the rest, and a timer lease under 100 ms refused by name")
    func fromSettings() throws {
        let configuration = try SchedulerConfiguration(
            settings: SettingsReader(variables: [
                "HANGAR_SCHEDULER_MAX_ATTEMPTS": "7", "HANGAR_SCHEDULER_TIMER_LEASE_MS": "500", "HANGAR_SERVER_REQUEST_TIMEOUT_MS": "2500",
            ]))
        #expect(configuration.maxAttempts == 7 && configuration.timerLease == .milliseconds(500))
        #expect(configuration.serverRequestTimeout == .milliseconds(2500))
        #expect(configuration.stepTimeout == SchedulerConfiguration().stepTimeout, "unset: the default")
        #expect {
            try SchedulerConfiguration(settings: SettingsReader(variables: ["HANGAR_SCHEDULER_TIMER_LEASE_MS": "50"]))
        } throws: { "\($0)" == "HANGAR_SCHEDULER_TIMER_LEASE_MS must be at least 100 (milliseconds); got '50'" }
        #expect(throws: SettingError.self) {
            try SchedulerConfiguration(settings: SettingsReader(variables: ["HANGAR_SCHEDULER_MAX_ATTEMPTS": "0"]))
        }
    }
}
