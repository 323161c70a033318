/// What hookstream keeps about a database source's capture: where to connect, what to capture,
/// the replication objects it owns there, and how far it has durably got.
///
/// `confirmedLSN` only moves inside the store transaction that stores the events of the
/// transactions up to it, and the slot is advanced only after that commit; so after a crash
/// anywhere, the slot is at or behind `confirmedLSN` and peeking again finds every change not
/// yet stored, and skips (by `confirmedLSN`) every one that was.
public struct CaptureState: Sendable, Equatable {
    public var sourceID: String
    /// The connection URI, sealed (see `SecretBox`).
    public var sealedConnectionURI: String
    /// `schema.table` names, or `nil` for every ordinary table the role can read.
    public var tables: [String]?
    /// The replication slot and publication hookstream created for the source (`hookstream_<id>`).
    public var slotName: String
    public var publicationName: String
    /// The end LSN of the last captured transaction whose events are stored (0: none yet).
    public var confirmedLSN: UInt64
    public var changesCaptured: Int64
    public var lastError: String?
    public var lastErrorAt: Int64?
    /// The snapshot of existing rows, when one was asked for at create.
    public var snapshot: CaptureSnapshot?

    public init(
        sourceID: String, sealedConnectionURI: String, tables: [String]?, slotName: String, publicationName: String,
        confirmedLSN: UInt64 = 0, changesCaptured: Int64 = 0, lastError: String? = nil, lastErrorAt: Int64? = nil,
        snapshot: CaptureSnapshot? = nil
    ) {
        self.sourceID = sourceID
        self.sealedConnectionURI = sealedConnectionURI
        self.tables = tables
        self.slotName = slotName
        self.publicationName = publicationName
        self.confirmedLSN = confirmedLSN
        self.changesCaptured = changesCaptured
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.snapshot = snapshot
    }

    /// The slot and publication name for a source: `hookstream_` + the source ID's hex, which
    /// is a valid unquoted PostgreSQL identifier (lower case, digits, `_`, under 64 bytes).
    public static func replicationName(sourceID: String) -> String {
        "hookstream_" + (sourceID.hasPrefix("src_") ? String(sourceID.dropFirst(4)) : sourceID)
    }
}

extension CaptureState {
    /// What `stats.warning` and the `capture_lag` issue say when the slot retains more WAL than
    /// `limit`; `nil` when it does not.
    public static func lagWarning(bytes: Int64, limit: Int64, capture: Activity) -> String? {
        guard bytes > limit else { return nil }
        let remedy =
            switch capture {
            case .running: "capture is falling behind"
            case .paused: "resume the source or delete it"
            case .awaitingConnection: "connect the source to a destination or delete it"
            }
        return "The replication slot retains \(bytes) bytes of WAL, over --cdc-max-lag-bytes (\(limit)): " + remedy + ", or the database's disk fills up"
    }

    /// Whether a source's capture runs, and if not why: the slot keeps WAL while it does not.
    public enum Activity: Sendable {
        case running
        case paused
        /// Active, but with no connection yet (or none left): nothing to route a change to.
        case awaitingConnection
    }
}
