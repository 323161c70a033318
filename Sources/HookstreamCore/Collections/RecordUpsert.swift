public import JSONValue

/// The upsert engine's decisions, without I/O: which key an event addresses, when the event
/// happened, and whether it replaces the record stored for that key (last write wins).
///
/// The store runs these inside the transaction that stores the event, so a record can never
/// miss an acknowledged event and two writers can never both believe they are newest.
public enum RecordUpsert {
    /// What happens to a collection when one event arrives.
    public enum Decision: Equatable, Sendable {
        /// No record has this key yet.
        case create
        /// The event is newer than the record: it becomes the record.
        case replace
        /// The event is older than the record: nothing changes, the changelog says so.
        case skipOlder
        /// The record already is this event (the same event applied twice): nothing at all.
        case unchanged
    }

    /// Last write wins on `(source_event_at, event id)`: a later event time wins, and on equal
    /// times the greater event ID (IDs are time-ordered, so that is the later arrival).
    public static func decide(existing: RecordVersion?, incoming: RecordVersion) -> Decision {
        guard let existing else { return .create }
        if incoming == existing { return .unchanged }
        return incoming > existing ? .replace : .skipOlder
    }

    /// The record key at `path` in `body`, as text: strings as they are, numbers in their
    /// shortest form (`42`, `42.0` and `4.2e1` are the one key `"42"`). Anything else — no
    /// value, `null`, a boolean, an object or array, an empty or over-long string — is no key:
    /// the event is counted, not an error.
    public static func key(at path: CollectionPath, in body: JSON?) -> String? {
        guard let body, let value = path.value(in: body) else { return nil }
        switch value {
        case .string(let text):
            return text.isEmpty || text.utf8.count > maximumKeyBytes ? nil : text
        case .number(let number):
            return number.isFinite ? JSNumberFormat.string(number) : nil
        default:
            return nil
        }
    }

    /// The longest key kept; a longer value is almost certainly not an identifier.
    public static let maximumKeyBytes = 512

    /// When the event happened, in Unix milliseconds: the payload's timestamp at `path` when the
    /// collection names one and it can be read, else when hookstream received it.
    public static func sourceEventAt(timestampPath path: CollectionPath?, in body: JSON?, receivedAt: Int64) -> Int64 {
        guard let path, let body, let value = path.value(in: body), let millis = timestampMillis(value) else { return receivedAt }
        return millis
    }

    /// ISO 8601 text, or a Unix time in seconds (Stripe's `created`) or milliseconds, told apart
    /// by size: 10^11 seconds is the year 5138, 10^11 milliseconds is 1973.
    public static func timestampMillis(_ value: JSON) -> Int64? {
        switch value {
        case .number(let n):
            return unixMillis(n)
        case .string(let text):
            if let date = Timestamp.parse(text) { return Timestamp.millis(date) }
            guard let n = Double(text), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
            return unixMillis(n)
        default:
            return nil
        }
    }

    private static func unixMillis(_ n: Double) -> Int64? {
        guard n.isFinite, n >= 0, n < 1e15 else { return nil }
        return n < 1e11 ? Int64((n * 1000).rounded(.down)) : Int64(n.rounded(.down))
    }
}

/// Which version of a record an event is: ordered by event time, then event ID.
public struct RecordVersion: Comparable, Sendable {
    public var sourceEventAt: Int64
    public var eventID: String

    public init(sourceEventAt: Int64, eventID: String) {
        self.sourceEventAt = sourceEventAt
        self.eventID = eventID
    }

    public static func < (a: RecordVersion, b: RecordVersion) -> Bool {
        (a.sourceEventAt, a.eventID) < (b.sourceEventAt, b.eventID)
    }
}
