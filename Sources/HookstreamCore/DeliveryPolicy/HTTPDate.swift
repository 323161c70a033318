public import Foundation

/// A parser for the HTTP-date formats of RFC 9110 §5.6.7, written out by hand so it does not
/// depend on the platform's locale-sensitive date formatters.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let shortDays: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longDays: Set<String> = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]

    /// Parses `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate), `Sunday, 06-Nov-94 08:49:37 GMT`
    /// (RFC 850) or `Sun Nov  6 08:49:37 1994` (asctime). Names are matched case-insensitively,
    /// as recipients are asked to be lenient; the weekday is checked for spelling, not against
    /// the date. RFC 850's two-digit years below 70 are read as 20xx.
    public static func parse(_ text: String) -> Date? {
        let tokens = text.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" })
            .map(String.init)
        let day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?
        switch tokens.count {
        case 6:
            // IMF-fixdate or RFC 850: weekday, day, month, year, time, "gmt".
            guard tokens[5] == "gmt", shortDays.contains(tokens[0]) || longDays.contains(tokens[0]) else { return nil }
            day = number(tokens[1], digits: 1...2)
            month = months.firstIndex(of: tokens[2]).map { $0 + 1 }
            if let fourDigit = number(tokens[3], digits: 4...4) {
                year = fourDigit
            } else {
                year = number(tokens[3], digits: 2...2).map { $0 < 70 ? 2000 + $0 : 1900 + $0 }
            }
            time = clock(tokens[4])
        case 5:
            // asctime: weekday, month, day, time, year.
            guard shortDays.contains(tokens[0]) else { return nil }
            month = months.firstIndex(of: tokens[1]).map { $0 + 1 }
            day = number(tokens[2], digits: 1...2)
            time = clock(tokens[3])
            year = number(tokens[4], digits: 4...4)
        default:
            return nil
        }
        guard let day, let month, let year, let (hour, minute, second) = time,
            day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func number(_ token: String, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(token.count), token.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(token)
    }

    private static func clock(_ token: String) -> (Int, Int, Int)? {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3,
            let h = number(parts[0], digits: 2...2), let m = number(parts[1], digits: 2...2),
            let s = number(parts[2], digits: 2...2),
            h < 24, m < 60, s <= 60  // 60: a leap second, which the grammar allows
        else { return nil }
        return (h, m, s)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the civil-from-days inverse
    /// popularised by Howard Hinnant's date algorithms).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = (month + 9) % 12  // March = 0
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}
