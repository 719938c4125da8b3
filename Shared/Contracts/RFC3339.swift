import Foundation

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-22T10:15:00.123Z`), written and
/// read without a formatter: every message, history page and store row carries several, and
/// `Date.ISO8601FormatStyle` costs microseconds each.
///
/// The arithmetic is Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar,
/// the one RFC 3339 uses). What it does not cover — years outside 0000–9999, other offsets than
/// `Z`, other fractions than none or three digits — is left to Foundation by the callers.
enum RFC3339 {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since 1970, or nil outside years 0–9999.
    static func format(epochMilliseconds: Int64) -> String? {
        var inRange = true
        let text = String(unsafeUninitializedCapacity: length) { buffer in
            inRange = write(epochMilliseconds: epochMilliseconds, to: buffer)
            return inRange ? length : 0
        }
        return inRange ? text : nil
    }

    /// The length of what ``write(epochMilliseconds:to:)`` writes.
    static let length = 24

    /// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` into the first ``length`` bytes of `buffer` (a JSON
    /// writer's, without a `String` in between); false, with nothing written, outside years
    /// 0–9999.
    static func write(epochMilliseconds: Int64, to buffer: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        let (days, millisecondOfDay) = floorDivision(epochMilliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year), buffer.count >= length else { return false }
        let secondOfDay = Int(millisecondOfDay / 1000)
        let millisecond = Int(millisecondOfDay % 1000)
        func put(_ value: Int, digits: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(Int(year), digits: 4, at: 0)
        buffer[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        buffer[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        buffer[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, digits: 2, at: 11)
        buffer[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, digits: 2, at: 14)
        buffer[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, digits: 2, at: 17)
        buffer[19] = UInt8(ascii: ".")
        put(millisecond, digits: 3, at: 20)
        buffer[23] = UInt8(ascii: "Z")
        return true
    }

    /// Milliseconds since 1970 of `YYYY-MM-DDTHH:MM:SS`, with any fraction of a second (kept to
    /// the millisecond, truncated) and `Z` or an offset `±HH:MM` (hours 00-23, as RFC 3339 has
    /// them; Foundation's parser refuses offsets beyond ±18 h); nil for anything else, including
    /// impossible dates and times.
    /// Whether `text` begins like `2026-11-22T10:15:00` (digits and separators where RFC 3339
    /// puts them), whatever the values.
    static func hasDateTimeShape(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(19))
        guard bytes.count == 19 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 4, 7: if byte != UInt8(ascii: "-") { return false }
            case 10: if byte != UInt8(ascii: "T") && byte != UInt8(ascii: "t") { return false }
            case 13, 16: if byte != UInt8(ascii: ":") { return false }
            default: if !(48...57).contains(byte) { return false }
            }
        }
        return true
    }

    static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            guard bytes.count >= 20 else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int? {
                guard offset + digits <= bytes.count else { return nil }
                var value = 0
                for index in offset..<(offset + digits) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            func separator(_ offset: Int, _ character: Unicode.Scalar) -> Bool { offset < bytes.count && bytes[offset] == UInt8(ascii: character) }
            guard separator(4, "-"), separator(7, "-"), separator(10, "T") || separator(10, "t"), separator(13, ":"), separator(16, ":"),
                let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            // Fractional seconds: any number of digits, milliseconds kept (truncated).
            var index = 19
            var millisecond = 0
            if separator(index, ".") {
                index += 1
                var digits = 0
                while index < bytes.count, (48...57).contains(bytes[index]) {
                    if digits < 3 { millisecond = millisecond * 10 + Int(bytes[index]) - 48 }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { millisecond *= 10 } }
            }
            // The zone: Z, or an offset ±HH:MM (hours 00-23).
            var offsetSeconds = 0
            if index == bytes.count - 1, separator(index, "Z") || separator(index, "z") {
                offsetSeconds = 0
            } else if index == bytes.count - 6, separator(index, "+") || separator(index, "-"), separator(index + 3, ":"),
                let hours = number(index + 1, 2), let minutes = number(index + 4, 2), hours < 24, minutes < 60
            {
                offsetSeconds = (hours * 3600 + minutes * 60) * (separator(index, "-") ? -1 : 1)
            } else {
                return nil
            }
            let days = Self.days(fromCivil: Int64(year), month, day)
            let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
            return seconds * 1000 + Int64(millisecond)
        }
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Year, month and day of a day counted from 1970-01-01.
    private static func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day counted from 1970-01-01 of a year, month and day.
    private static func days(fromCivil year: Int64, _ month: Int, _ day: Int) -> Int64 {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
