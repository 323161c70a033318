import Foundation

/// One UTC calendar day, the unit events are archived and restored by
/// (`<data-dir>/archive/<org_id>/<YYYY-MM-DD>.ndjson.gz`).
public struct ArchiveDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let millisPerDay: Int64 = 86_400_000

    /// Midnight UTC at the start of the day, in Unix milliseconds.
    public let startMillis: Int64

    /// The day an instant (Unix milliseconds) falls on, in UTC.
    public init(containing millis: Int64) {
        // Floor division: instants before 1970 still land on the day that contains them.
        let days = millis >= 0 ? millis / Self.millisPerDay : (millis - Self.millisPerDay + 1) / Self.millisPerDay
        startMillis = days * Self.millisPerDay
    }

    /// Parses `YYYY-MM-DD` strictly: a real calendar date and nothing else (no time, no
    /// offset), so `2026-02-30` or `2026-1-5` is refused rather than silently moved.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        for index in [0, 1, 2, 3, 5, 6, 8, 9] where !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            return nil
        }
        guard let midnight = Timestamp.parse(text) else { return nil }
        let day = ArchiveDay(containing: Timestamp.millis(midnight))
        // timegm normalises 02-30 to 03-02; only a date that prints back the same is real.
        guard day.text == text else { return nil }
        self = day
    }

    /// The first instant of the next day (exclusive end of this one).
    public var endMillis: Int64 { startMillis + Self.millisPerDay }

    /// `YYYY-MM-DD`.
    public var text: String { String(Timestamp.iso(millis: startMillis).prefix(10)) }

    public var description: String { text }

    public static func < (lhs: ArchiveDay, rhs: ArchiveDay) -> Bool { lhs.startMillis < rhs.startMillis }
}
