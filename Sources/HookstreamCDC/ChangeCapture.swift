public import Foundation
public import HookstreamCore
public import HookstreamStore
public import Logging
import PGOutput
import PostgresNIO

/// The capture loop of one database source: peek the slot's changes over plain SQL, store
/// them, advance the slot — the thin I/O shell around ``ChangeAssembler`` and ``CaptureBatch``.
///
/// Durability: events and the confirmed LSN commit together (``Commit``), and only then is the
/// slot advanced. A crash before the commit leaves the changes in the slot (peeked again); a
/// crash between commit and advance makes the next round peek them again, and the confirmed
/// LSN skips them. Nothing is lost, nothing stored twice.
///
/// Errors (database unreachable, slot gone) are reported through ``Hooks/reportError`` and
/// retried with exponential backoff on a fresh connection; the slot is never re-created from
/// "now", which would silently skip changes.
public struct ChangeCapture: Sendable {
    public struct Configuration: Sendable {
        /// How long an empty peek waits before the next.
        public var pollInterval: Duration = .milliseconds(100)
        /// `upto_nchanges` of one peek (PostgreSQL still returns whole transactions). It counts
        /// messages — a one-row transaction is three: BEGIN, the change, COMMIT.
        ///
        /// Large, because a round's cost grows with the slot's backlog, not only its page: each
        /// peek and each advance decodes the WAL from the slot's `restart_lsn`, which PostgreSQL
        /// moves only past a running-transactions record (every 15 s under load), so every
        /// round re-reads up to that much WAL before its first new change. At 1,000 a 180,000-
        /// change backlog drained at 1,400 changes/s (docs/performance.md); larger pages share
        /// that re-read among more changes. Memory holds one page (and a transaction larger
        /// than a page whole).
        public var peekLimit = 10_000
        public var initialBackoff: Duration = .milliseconds(500)
        public var maxBackoff: Duration = .seconds(30)
        /// Rows per page of a snapshot (one store transaction each).
        public var snapshotPageRows = 1000

        public init() {}
    }

    /// Stores a round's transactions and moves the confirmed LSN, in one store transaction
    /// (routing them as ingest does); see `ChangeCaptureStore.commitCapture`.
    public typealias Commit = @Sendable (_ transactions: [CaptureBatch.Transaction]) async throws -> CaptureCommit

    public struct Hooks: Sendable {
        public var commit: Commit
        /// A round failed (`message`), or worked again after failing (`nil`).
        public var reportError: @Sendable (_ message: String?) async -> Void
        /// Stores a page of snapshot rows with the snapshot's progress after it, in one store
        /// transaction (`ChangeCaptureStore.commitSnapshotPage`).
        public var commitSnapshot: @Sendable (_ events: [CapturedEvent], _ snapshot: CaptureSnapshot) async throws -> Void

        public init(
            commit: @escaping Commit, reportError: @escaping @Sendable (String?) async -> Void,
            commitSnapshot: @escaping @Sendable ([CapturedEvent], CaptureSnapshot) async throws -> Void = { _, _ in }
        ) {
            self.commit = commit
            self.reportError = reportError
            self.commitSnapshot = commitSnapshot
        }
    }

    public let source: Source
    public let capture: CaptureState
    public let uri: PostgresURI
    public let configuration: Configuration
    public let clock: any GatewayClock
    public let hooks: Hooks
    public let logger: Logger

    public init(
        source: Source, capture: CaptureState, uri: PostgresURI, configuration: Configuration = .init(), clock: any GatewayClock,
        hooks: Hooks, logger: Logger
    ) {
        self.source = source
        self.capture = capture
        self.uri = uri
        self.configuration = configuration
        self.clock = clock
        self.hooks = hooks
        self.logger = logger
    }

    public enum CaptureError: Error, CustomStringConvertible {
        case slotMissing(slot: String, database: String)
        case incompleteTransaction
        case connectionLost

        public var description: String {
            switch self {
            case .slotMissing(let slot, let database):
                "The replication slot \(slot) no longer exists in database \(database): it was dropped outside hookstream, "
                    + "so the changes since cannot be read. Delete and re-create this source to capture again."
            case .connectionLost:
                "The database closed the connection (restarted, or the session was terminated)."
            case .incompleteTransaction:
                "PostgreSQL returned a transaction without its commit; it is read again on the next round."
            }
        }
    }

    /// Runs until the task is cancelled: the snapshot first when one is asked for and not done
    /// (``SnapshotReader``; a backfill's ``catchUp(to:confirmed:)`` before its rows), then the
    /// stream.
    public func run() async {
        var confirmed = capture.confirmedLSN
        var snapshot = capture.snapshot
        var backoff = configuration.initialBackoff
        var failing = false
        var slotBusy = 0
        while !Task.isCancelled {
            do {
                let db = try await CaptureConnection.open(uri, logger: logger)
                do {
                    var session = try await Session.start(on: db, capture: capture, logger: logger)
                    if var pending = snapshot, pending.status != .done {
                        // The slot holds every change meanwhile; they stream once every row
                        // is out, so a row's snapshot INSERT comes before its later changes.
                        defer { snapshot = pending }
                        let reader = SnapshotReader(
                            source: source, database: session.database, pageRows: configuration.snapshotPageRows, clock: clock, logger: logger)
                        let start = try await reader.begin(on: db)
                        // Also when a backfill resumes (after a pause, a restart or a lost
                        // connection) with a fresh view: the changes between its two views
                        // reach its receiver as changes too, a delete included.
                        if pending.backfill == true { try await catchUp(to: start.view, confirmed: &confirmed) }
                        try await reader.run(&pending, from: start, on: db, catalog: &session.assembler.catalog, commit: hooks.commitSnapshot)
                    }
                    while !Task.isCancelled {
                        let progressed = try await round(&session, confirmed: &confirmed, snapshot: snapshot)
                        slotBusy = 0
                        if failing {
                            failing = false
                            backoff = configuration.initialBackoff
                            await hooks.reportError(nil)
                        }
                        if !progressed { try await clock.sleep(for: configuration.pollInterval) }
                    }
                    CaptureConnection.release(db)
                } catch {
                    CaptureConnection.release(db)
                    throw error
                }
            } catch {
                if Task.isCancelled { return }
                // 55006: the slot is still held by the statement of a loop stopped a moment
                // ago (a restart for a backfill, a pause and resume: a cancelled query goes on
                // running on the server until it ends). Retried quietly for a few seconds
                // before it counts as a failure that opens an issue.
                if (error as? PSQLError)?.serverInfo?[.sqlState] == "55006", slotBusy < 20 {
                    slotBusy += 1
                    do { try await clock.sleep(for: .milliseconds(250)) } catch { return }
                    continue
                }
                slotBusy = 0
                failing = true
                let message = Self.describe(error)
                logger.warning("change capture failed", metadata: ["source_id": "\(source.id)", "error": "\(message)"])
                await hooks.reportError(message)
                do { try await clock.sleep(for: backoff) } catch { return }
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }

    /// What one connection knows: the captured database's name and the assembler (its type
    /// catalog grows as relations arrive).
    struct Session {
        let db: PostgresConnection
        let database: String
        var assembler = ChangeAssembler()

        static func start(on db: PostgresConnection, capture: CaptureState, logger: Logger) async throws -> Session {
            var database = ""
            var slotFound = false
            let rows = try await db.guardedQuery(
                """
                SELECT current_database()::text, (SELECT count(*) FROM pg_replication_slots
                  WHERE slot_name = \(capture.slotName) AND database = current_database())::int8
                """, logger: logger)
            for try await (name, slots) in rows.decode((String, Int64).self) {
                database = name
                slotFound = slots > 0
            }
            guard slotFound else { throw CaptureError.slotMissing(slot: capture.slotName, database: database) }
            return Session(db: db, database: database)
        }
    }

    /// Peek → store → advance, once. Returns whether the slot had anything (then the next
    /// round follows at once).
    func round(_ session: inout Session, confirmed: inout UInt64, snapshot: CaptureSnapshot?) async throws -> Bool {
        // A connection the server ended between rounds is replaced at once (a query sent on it
        // would only fail: see `guardedQuery`).
        guard !session.db.isClosed else { throw CaptureError.connectionLost }
        let transactions = try await peekTransactions(&session)
        guard let last = transactions.last else { return false }
        try await store(transactions, through: last, session: session, confirmed: &confirmed, snapshot: snapshot)
        return true
    }

    /// A backfill's first step, once its view is taken: the changes still in the slot that the
    /// view holds are sent as changes, in commit order, before any of its rows (on a connection
    /// of their own, the view's being in its transaction). A receiver that had the rows before
    /// learns of each of those changes, a delete included, which a row read cannot restate; the
    /// rows then restate what it holds. Stops at the first transaction the view does not hold:
    /// that one and every later one stream after the rows, the seam deciding
    /// (``CaptureSnapshot/covers(table:xid:endLSN:)``).
    func catchUp(to view: CaptureSnapshot.View, confirmed: inout UInt64) async throws {
        let db = try await CaptureConnection.open(uri, logger: logger)
        defer { CaptureConnection.release(db) }
        var session = try await Session.start(on: db, capture: capture, logger: logger)
        try await waitForFlush(to: LSN(view.lsn), on: db)
        while true {
            try Task.checkCancellation()
            let transactions = try await peekTransactions(&session, upTo: LSN(view.lsn))
            let held = transactions.prefix { view.includes(xid: $0.xid, endLSN: $0.endLSN.value) }
            guard let last = held.last else { return }
            try await store(Array(held), through: last, session: session, confirmed: &confirmed, snapshot: nil)
            if held.count < transactions.count { return }
        }
    }

    /// Waits until the captured database has flushed its WAL up to `lsn`. A peek decodes
    /// flushed WAL only, while a commit made with `synchronous_commit = off` is visible before
    /// it is flushed: without the wait, catch-up could stop short of a transaction the view
    /// holds, which the stream would then skip as covered. The WAL writer flushes within
    /// `wal_writer_delay` (200 ms by default), so the wait is short.
    private func waitForFlush(to lsn: LSN, on db: PostgresConnection) async throws {
        while true {
            var flushed = false
            let rows = try await db.guardedQuery("SELECT pg_current_wal_flush_lsn() >= \(lsn.description)::pg_lsn", logger: logger)
            for try await passed in rows.decode(Bool.self) { flushed = passed }
            if flushed { return }
            try await clock.sleep(for: .milliseconds(20))
        }
    }

    /// The whole transactions the slot holds next (up to `upTo`, when given); none when it is
    /// empty.
    private func peekTransactions(_ session: inout Session, upTo: LSN? = nil) async throws -> [CommittedTransaction] {
        let rows = try await peek(session, upTo: upTo)
        guard !rows.isEmpty else { return [] }
        var transactions: [CommittedTransaction] = []
        for row in rows {
            switch try session.assembler.receive(try PGOutputDecoder.decode(row.data), lsn: row.lsn) {
            case .none: break
            case .describeTypes(let oids): try await PGTypeLookup.describe(oids, into: &session.assembler.catalog, on: session.db, logger: logger)
            case .committed(let transaction): transactions.append(transaction)
            }
        }
        // Peeks return whole transactions; one without its commit is never stored or advanced
        // past, and is read whole next round.
        guard !transactions.isEmpty else { throw CaptureError.incompleteTransaction }
        return transactions
    }

    /// Stores the events of `transactions` not stored yet, then advances the slot past `last`.
    private func store(
        _ transactions: [CommittedTransaction], through last: CommittedTransaction, session: Session, confirmed: inout UInt64,
        snapshot: CaptureSnapshot?
    ) async throws {
        let fresh = CaptureBatch.transactions(
            transactions, after: confirmed, source: source, database: session.database, snapshot: snapshot, now: clock.now)
        if !fresh.isEmpty {
            _ = try await hooks.commit(fresh)
            confirmed = last.endLSN.value
        }
        try await session.db.perform(
            "SELECT pg_replication_slot_advance(\(capture.slotName)::name, \(last.endLSN.description)::pg_lsn)", logger: logger)
    }

    private func peek(_ session: Session, upTo: LSN?) async throws -> [(lsn: LSN, data: [UInt8])] {
        do {
            return try await peekRows(session, upTo: upTo)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42704" {
            // undefined_object: the slot was dropped while this connection was using it.
            throw CaptureError.slotMissing(slot: capture.slotName, database: session.database)
        }
    }

    private func peekRows(_ session: Session, upTo: LSN?) async throws -> [(lsn: LSN, data: [UInt8])] {
        let result = try await session.db.guardedQuery(
            """
            SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(\(capture.slotName)::name, \(upTo?.description)::pg_lsn, \(configuration.peekLimit)::int,
              'proto_version', '1', 'publication_names', \(capture.publicationName))
            """, logger: logger)
        var rows: [(lsn: LSN, data: [UInt8])] = []
        for try await (lsn, data) in result.decode((String, ByteBuffer).self) {
            guard let parsed = LSN(lsn) else { continue }
            rows.append((parsed, Array(data.readableBytesView)))
        }
        return rows
    }

    /// A message for `last_error`: the server's own words for a PostgreSQL error.
    static func describe(_ error: any Error) -> String { CaptureSetup.describe(error) }
}
