import Foundation

/// Timestamps as the API writes and reads them: ISO 8601 in UTC with a `Z`, with milliseconds.
/// The database keeps Unix milliseconds (an integer compares and indexes the same way on every
/// backend).
public enum Timestamp {
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// `2026-03-01T12:00:00.123Z`.
    public static func iso(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }

    public static func iso(_ date: Date) -> String { iso(millis: millis(date)) }

    /// Parses an ISO 8601 date-time (`Z` or `±hh:mm` offset, optional fraction) or a date
    /// (`2026-03-01`, midnight UTC). Returns `nil` for anything else.
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard (0x30...0x39).contains(u[i]) else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard u.count >= 10, let year = number(0, 4), u[4] == 0x2D, let month = number(5, 2), u[7] == 0x2D,
            let day = number(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        var i = 10
        if u.count > 10 {
            guard u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == 0x20,
                let h = number(11, 2), u.count > 13, u[13] == 0x3A, let m = number(14, 2), u.count > 16, u[16] == 0x3A,
                let s = number(17, 2), h < 24, m < 60, s < 61
            else { return nil }
            hour = h; minute = m; second = s
            i = 19
            if i < u.count, u[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 0.1
                let start = i
                while i < u.count, (0x30...0x39).contains(u[i]) {
                    fraction += Double(u[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
            guard i < u.count else { return nil }
            if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
                i += 1
            } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = number(i + 1, 2), i + 3 < u.count, u[i + 3] == 0x3A, let om = number(i + 4, 2) else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
                i += 6
            } else {
                return nil
            }
            guard i == u.count else { return nil }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch - offsetSeconds) + fraction)
    }
}
