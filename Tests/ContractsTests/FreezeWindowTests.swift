import Foundation
import HangarContracts
import Testing

@Suite("Freeze windows: when they hold")
struct FreezeWindowTests {
    static func at(_ text: String) -> Date { HangarJSON.parseDate(text)! }

    static func weekly(_ days: [FreezeWindow.Weekday], _ from: String, _ to: String, zone: String = "Europe/Paris") -> FreezeWindow {
        FreezeWindow(
            id: UUID(), environmentId: nil, reason: "test", weekly: .init(days: days, from: from, to: to), timeZone: zone, createdBy: "t",
            createdAt: Date(timeIntervalSince1970: 0))
    }

    @Test("a one-off window: its start inside, its end outside")
    func oneOff() {
        let window = FreezeWindow(
            id: UUID(), environmentId: nil, reason: "holidays", start: Self.at("2026-12-24T00:00:00Z"), end: Self.at("2027-01-02T00:00:00Z"),
            createdBy: "t", createdAt: Date())
        #expect(window.occurrence(containing: Self.at("2026-12-24T00:00:00Z"))?.end == Self.at("2027-01-02T00:00:00Z"))
        #expect(window.occurrence(containing: Self.at("2027-01-02T00:00:00Z")) == nil)
        #expect(window.occurrence(containing: Self.at("2026-12-23T23:59:59Z")) == nil)
    }

    @Test("business hours in Paris: Monday 10:00 local is inside until 18:00 local; Saturday is not")
    func businessHours() {
        let window = Self.weekly([.MON, .TUE, .WED, .THU, .FRI], "09:00", "18:00")
        // 2026-12-07 is a Monday; Paris is UTC+1 in December.
        let inside = window.occurrence(containing: Self.at("2026-12-07T09:00:00Z"))
        #expect(inside?.start == Self.at("2026-12-07T08:00:00Z") && inside?.end == Self.at("2026-12-07T17:00:00Z"))
        #expect(window.occurrence(containing: Self.at("2026-12-07T17:00:00Z")) == nil, "18:00 local is the end, outside")
        #expect(window.occurrence(containing: Self.at("2026-12-07T07:59:00Z")) == nil)
        #expect(window.occurrence(containing: Self.at("2026-12-12T10:00:00Z")) == nil, "a Saturday")
    }

    @Test("a window past midnight belongs to the day it begins, across a month's last day")
    func pastMidnight() {
        let window = Self.weekly([.SAT], "23:00", "01:00", zone: "UTC")
        // Saturday 2026-10-31 23:00 → Sunday 2026-11-01 01:00.
        let occurrence = window.occurrence(containing: Self.at("2026-11-01T00:30:00Z"))
        #expect(occurrence?.start == Self.at("2026-10-31T23:00:00Z") && occurrence?.end == Self.at("2026-11-01T01:00:00Z"))
        #expect(window.occurrence(containing: Self.at("2026-11-01T23:30:00Z")) == nil, "Sunday night is not Saturday's")
    }

    @Test("spring forward: a window from 02:30, a time that does not exist that day, begins at 03:00 summer time")
    func springForward() {
        // 2026-03-29, a Sunday: Paris goes from 02:00 CET to 03:00 CEST at 01:00 UTC.
        let window = Self.weekly([.SUN], "02:30", "04:00")
        #expect(window.occurrence(containing: Self.at("2026-03-29T00:59:00Z")) == nil, "01:59 CET: not yet")
        let occurrence = window.occurrence(containing: Self.at("2026-03-29T01:00:00Z"))
        #expect(occurrence?.start == Self.at("2026-03-29T01:00:00Z"), "03:00 CEST, once")
        #expect(occurrence?.end == Self.at("2026-03-29T02:00:00Z"), "04:00 CEST")
    }

    @Test("fall back: a window over the repeated hour lasts an hour longer in UTC")
    func fallBack() {
        // 2026-10-25, a Sunday: Paris goes from 03:00 CEST back to 02:00 CET at 01:00 UTC.
        let window = Self.weekly([.SUN], "01:00", "04:00")
        let occurrence = window.occurrence(containing: Self.at("2026-10-25T02:30:00Z"))
        #expect(occurrence?.start == Self.at("2026-10-24T23:00:00Z"), "01:00 CEST")
        #expect(occurrence?.end == Self.at("2026-10-25T03:00:00Z"), "04:00 CET: four hours in all")
        #expect(window.occurrence(containing: Self.at("2026-10-25T03:00:00Z")) == nil)
    }

    @Test("the first free moment passes windows that adjoin or overlap")
    func firstFree() {
        func oneOff(_ from: String, _ to: String) -> FreezeWindow {
            FreezeWindow(id: UUID(), environmentId: nil, reason: "r", start: Self.at(from), end: Self.at(to), createdBy: "t", createdAt: Date())
        }
        let windows = [
            oneOff("2026-12-07T10:00:00Z", "2026-12-07T12:00:00Z"), oneOff("2026-12-07T12:00:00Z", "2026-12-07T13:00:00Z"),
            Self.weekly([.MON], "13:30", "14:00", zone: "UTC"),
        ]
        #expect(windows.firstFreeMoment(from: Self.at("2026-12-07T11:00:00Z")) == Self.at("2026-12-07T13:00:00Z"))
        #expect(windows.firstFreeMoment(from: Self.at("2026-12-07T13:45:00Z")) == Self.at("2026-12-07T14:00:00Z"))
        #expect(windows.firstFreeMoment(from: Self.at("2026-12-07T09:00:00Z")) == Self.at("2026-12-07T09:00:00Z"))
        #expect(windows.freeze(at: Self.at("2026-12-07T11:59:59Z"))?.end == Self.at("2026-12-07T12:00:00Z"))
    }
}
