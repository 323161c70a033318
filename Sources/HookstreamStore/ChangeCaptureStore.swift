public import HookstreamCore

/// Database sources' capture state, and the commit that makes captured changes durable.
public protocol ChangeCaptureStore: Sendable {
    /// Creates a database source: its source row (type `postgresql`) and its capture state,
    /// in one transaction.
    func createDatabaseSource(_ source: Source, capture: CaptureState) async throws
    func captureState(sourceID: String) async throws -> CaptureState?
    /// The capture state of every live database source (what start-up resumes).
    func captureStates() async throws -> [CaptureState]
    /// Stores the events of captured transactions (with their routed attempts, exactly as
    /// ingest stores events) and moves the source's confirmed LSN to the last one's end, in one
    /// transaction.
    ///
    /// A transaction ending at or before the confirmed LSN is skipped: it was stored before —
    /// by a round that failed or crashed before advancing the slot — and storing it again would
    /// double its events. The check runs inside the write, so two captures of the same changes
    /// can never both store them.
    func commitCapture(_ transactions: [CapturedTransaction], sourceID: String) async throws -> CaptureCommit
    /// Stores a page of snapshot rows' events (routed as ingest routes them) and the snapshot's
    /// progress after that page, in one transaction: a restart resumes after the last page
    /// stored, so no stored row is emitted twice.
    func commitSnapshotPage(_ events: [IncomingEvent], snapshot: CaptureSnapshot, sourceID: String) async throws -> [IngestOutcome]
    /// Asks for a new snapshot of `tables` (`schema.table` names the source captures): a
    /// backfill, which capture takes from a fresh view when it next starts; it replaces the
    /// snapshot shown so far. Checked and written in one transaction, so of two concurrent
    /// requests one is refused.
    /// - Returns: the pending snapshot.
    /// - Throws: `StoreError.conflict` while a snapshot is pending or running (a second one
    ///   would cut the first's reading short); `StoreError.notFound`.
    func requestSnapshot(sourceID: String, tables: [String]) async throws -> CaptureSnapshot
    /// Replaces the tables a source captures (`schema.table` names).
    func updateCaptureTables(sourceID: String, tables: [String]) async throws
    /// How many of the source's events were delivered, and how many failed, so far: counters
    /// kept as event statuses change, so the read does not grow with the events.
    func captureDeliveryCounts(sourceID: String) async throws -> (delivered: Int64, failed: Int64)
    /// Records the capture's last error (`nil` clears it once capture works again).
    func recordCaptureError(sourceID: String, message: String?, at: Int64) async throws
    /// The slot's lag is over `--cdc-max-lag-bytes` (`message` says by how much): opens or
    /// counts on the source's `capture_lag` issue; `nil` (back under) resolves it.
    func recordCaptureLag(sourceID: String, message: String?, at: Int64) async throws
}

/// The events of one committed transaction of a captured database.
public struct CapturedTransaction: Sendable {
    /// Where the transaction's commit record ends in the captured database's WAL.
    public var endLSN: UInt64
    public var events: [IncomingEvent]

    public init(endLSN: UInt64, events: [IncomingEvent]) {
        self.endLSN = endLSN
        self.events = events
    }
}

public struct CaptureCommit: Sendable, Equatable {
    /// The events stored, in the order given.
    public var outcomes: [IngestOutcome]
    /// Transactions skipped as stored before.
    public var skipped: Int

    public init(outcomes: [IngestOutcome], skipped: Int) {
        self.outcomes = outcomes
        self.skipped = skipped
    }
}
