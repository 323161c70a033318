/// PostgreSQL's date-time text (DateStyle ISO) and commit times → ISO 8601 as JavaScript's
/// `Date.prototype.toISOString` writes it (`2026-03-13T10:30:00.123Z`). PostgreSQL keeps
/// microseconds: they are written when present (`…00.123456Z`, which `Date` still parses), so no
/// precision is lost.
public enum PGDateTime {
    /// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01 (UTC).
    public static let postgresEpochOffsetMicros: Int64 = 946_684_800_000_000

    /// A commit time of pgoutput (microseconds since 2000-01-01 UTC) in ISO 8601 UTC.
    public static func iso(postgresMicros: Int64) -> String {
        iso(unixMicros: postgresMicros + postgresEpochOffsetMicros)
    }

    /// Unix milliseconds of a pgoutput commit time.
    public static func unixMillis(postgresMicros: Int64) -> Int64 {
        let micros = postgresMicros + postgresEpochOffsetMicros
        return micros >= 0 ? micros / 1000 : (micros - 999) / 1000
    }

    static func iso(unixMicros: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        let days = unixMicros >= 0 ? unixMicros / perDay : (unixMicros - perDay + 1) / perDay
        let micros = unixMicros - days * perDay
        let (y, m, d) = civil(fromDays: days)
        let seconds = micros / 1_000_000
        return format(year: y, month: m, day: d, hour: Int(seconds / 3600), minute: Int(seconds / 60 % 60), second: Int(seconds % 60),
            micros: Int(micros % 1_000_000))
    }

    /// `2026-03-13 10:30:00.5+05:30` → `2026-03-13T05:00:00.500Z`. A timestamp without zone is
    /// written with `Z` too: it is read as UTC. `nil` for what is not such a text (infinity,
    /// BC dates), which the caller keeps as PostgreSQL wrote it.
    static func isoTimestamp(_ text: String, withZone: Bool) -> String? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4, maxDigits: 7), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(" "),
            let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
            let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
            let second = scanner.number(minDigits: 2, maxDigits: 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros = 0
        if scanner.skip(".") {
            let start = scanner.offset
            guard let fraction = scanner.number(minDigits: 1, maxDigits: 6) else { return nil }
            micros = fraction
            for _ in 0..<(6 - (scanner.offset - start)) { micros *= 10 }
        }
        var offsetSeconds = 0
        if withZone {
            let sign: Int
            if scanner.skip("+") { sign = 1 } else if scanner.skip("-") { sign = -1 } else { return nil }
            guard let h = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
            var m = 0
            var s = 0
            if scanner.skip(":") {
                guard let parsed = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                m = parsed
                if scanner.skip(":") {
                    guard let parsed = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    s = parsed
                }
            }
            offsetSeconds = sign * (h * 3600 + m * 60 + s)
        }
        guard scanner.isAtEnd else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let local = (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000 + Int64(micros)
        return iso(unixMicros: local - Int64(offsetSeconds) * 1_000_000)
    }

    private static func format(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int) -> String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        // Years past 9999 in the expanded form `Date` accepts (+YYYYYY).
        let yearText = year > 9999 ? "+" + pad(year, 6) : pad(year, 4)
        let fraction = micros % 1000 == 0 ? pad(micros / 1000, 3) : pad(micros, 6)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(fraction)Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the era-based day count).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``daysFromCivil(year:month:day:)``.
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Fixed-width digit fields and literal separators, left to right.
private struct Scanner {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func skip(_ literal: Character) -> Bool {
        guard offset < bytes.count, bytes[offset] == literal.asciiValue else { return false }
        offset += 1
        return true
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while offset < bytes.count, count < maxDigits, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) {
            value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
            offset += 1
            count += 1
        }
        return count >= minDigits ? value : nil
    }
}
