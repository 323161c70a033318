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
    case notification = "ntf"
    case collection = "col"
    case record = "rec"
    case changeLog = "cl"
    case topic = "top"
    case subscription = "sub"
    case replay = "rpl"
    case apiKey = "ak"
    case request = "req"
    case backfill = "bf"
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

    /// The millisecond the newest ID holds. It runs ahead of the clock after a burst, and after
    /// an ID made with a later `now` (tests with a clock of their own).
    static var lastMillisecond: UInt64 { state.withLock { $0.lastMillis } }

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
        return render(prefix, digits: 32) { $0 == 0 ? high : low }
    }

    /// A short random identifier (`req_<16 hex>`), for things that need no ordering.
    public static func random(_ prefix: IDPrefix, hexDigits: Int = 16) -> String {
        var rng = SystemRandomNumberGenerator()
        return render(prefix, digits: hexDigits) { _ in rng.next() }
    }

    /// Whether `id` has the shape of an identifier with this prefix (cheap syntax check used
    /// before touching the database).
    public static func isWellFormed(_ id: String, _ prefix: IDPrefix) -> Bool {
        guard id.hasPrefix(prefix.rawValue + "_") else { return false }
        let rest = id.utf8.dropFirst(prefix.rawValue.utf8.count + 1)
        return !rest.isEmpty && rest.count <= 64 && rest.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The 16 lowercase hex digits of `value`, zero-padded.
    static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            var end = 0
            writeHex(value, digits: 16, into: out, at: &end)
            return end
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `<prefix>_` and `digits` hex digits, 16 from each of `word(0)`, `word(1)`, …, written
    /// into one allocation. Every request makes one of these (its request ID) and every event
    /// and attempt another, so this stays free of intermediate strings.
    private static func render(_ prefix: IDPrefix, digits: Int, word: (Int) -> UInt64) -> String {
        let head = prefix.rawValue.utf8
        return String(unsafeUninitializedCapacity: head.count + 1 + digits) { out in
            var end = 0
            for byte in head {
                out[end] = byte
                end += 1
            }
            out[end] = UInt8(ascii: "_")
            end += 1
            var index = 0
            while index * 16 < digits {
                writeHex(word(index), digits: min(16, digits - index * 16), into: out, at: &end)
                index += 1
            }
            return end
        }
    }

    /// The first `digits` (≤ 16) hex digits of `value`, most significant first.
    private static func writeHex(_ value: UInt64, digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at end: inout Int) {
        for n in 0..<digits {
            out[end] = hexDigits[Int(truncatingIfNeeded: (value >> UInt64(60 - 4 * n)) & 0xF)]
            end += 1
        }
    }
}
