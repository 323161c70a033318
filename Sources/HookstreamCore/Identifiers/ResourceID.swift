import Foundation
import Synchronization

/// The type prefixes of hookstream's identifiers (`src_…`, `evt_…`).
public enum IDPrefix: String, Sendable, CaseIterable {
    case organization = "org"
    case environment = "env"
    case user = "usr"
    case source = "src"
    case destination = "dst"
    case connection = "conn"
    case event = "evt"
    case deliveryAttempt = "da"
    case issue = "iss"
    case notificationChannel = "nc"
    case alertRule = "ar"
    case alertHistory = "ah"
    case collection = "col"
    case record = "rec"
    case changeLog = "cl"
    case topic = "top"
    case subscription = "sub"
    case replay = "rpl"
    case apiKey = "ak"
    case request = "req"
}

/// Generates identifiers of the form `<prefix>_<32 hex>` laid out like a UUIDv7: 48 bits of
/// Unix milliseconds, then a counter that keeps IDs from one process strictly increasing within
/// a millisecond, then random bits. Sorting IDs therefore sorts by creation time, which is what
/// makes `ORDER BY id DESC` the "newest first" order and cursors a single ID.
public enum ResourceID {
    private struct State {
        var lastMillis: UInt64 = 0
        var counter: UInt16 = 0
    }

    private static let state = Mutex(State())

    public static func make(_ prefix: IDPrefix, now: Date = Date()) -> String {
        let wallMillis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (millis, counter) = state.withLock { s -> (UInt64, UInt16) in
            if wallMillis > s.lastMillis {
                s.lastMillis = wallMillis
                s.counter = UInt16.random(in: 0..<0x400)
            } else {
                // Same millisecond (or the clock stepped back): keep increasing.
                s.counter &+= 1
                if s.counter >= 0x1000 {
                    s.lastMillis += 1
                    s.counter = 0
                }
            }
            return (s.lastMillis, s.counter)
        }
        var rng = SystemRandomNumberGenerator()
        let high = (millis << 16) | 0x7000 | UInt64(counter & 0x0FFF)
        let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return prefix.rawValue + "_" + hex(high) + hex(low)
    }

    /// A short random identifier (`req_<16 hex>`), for things that need no ordering.
    public static func random(_ prefix: IDPrefix, hexDigits: Int = 16) -> String {
        var rng = SystemRandomNumberGenerator()
        var s = prefix.rawValue + "_"
        while s.count < prefix.rawValue.count + 1 + hexDigits {
            s += hex(rng.next())
        }
        return String(s.prefix(prefix.rawValue.count + 1 + hexDigits))
    }

    /// Whether `id` has the shape of an identifier with this prefix (cheap syntax check used
    /// before touching the database).
    public static func isWellFormed(_ id: String, _ prefix: IDPrefix) -> Bool {
        guard id.hasPrefix(prefix.rawValue + "_") else { return false }
        let rest = id.utf8.dropFirst(prefix.rawValue.utf8.count + 1)
        return !rest.isEmpty && rest.count <= 64 && rest.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
