/// A database source's snapshot: the rows its tables already hold, emitted as `INSERT` events
/// (`metadata.snapshot: true`) before the first streamed change.
///
/// The seam with the stream: the slot exists before the snapshot reads anything, so every
/// change committed after the slot's start is in the slot, and some of those are also in the
/// rows the snapshot reads. A streamed transaction is skipped for a table exactly when it is
/// visible in the view the table was read under (``View``): its effect is already in the
/// snapshot rows. Everything else streams. So no change is missed or doubled at the seam.
///
/// Progress is stored with every page of rows (in the store transaction that stores the
/// page's events), so a restart resumes after the last stored page: tables done are not read
/// again, and the table being read continues after its last stored primary key, under a new
/// view. That table keeps the view it was first read under, so changes committed between the
/// two views to its rows not yet read may arrive both in their snapshot row and as a change
/// (never lost). A table without a primary key is read again from its start.
public struct CaptureSnapshot: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Requested, nothing read yet (or the source was paused before it began).
        case pending
        case running
        /// Every table read; the stream carries on from the slot.
        case done
    }

    /// A PostgreSQL MVCC view (`pg_current_snapshot()` as text, `xmin:xmax:xip,…`) and the WAL
    /// insert position read right after it was taken.
    public struct View: Sendable, Equatable, Codable {
        public var snapshot: String
        public var lsn: UInt64

        public init(snapshot: String, lsn: UInt64) {
            self.snapshot = snapshot
            self.lsn = lsn
        }

        /// Whether the committed transaction `xid` (32 bits, as pgoutput's Begin carries it),
        /// whose commit record ends at `endLSN`, is visible in this view.
        ///
        /// A visible transaction committed before the view was taken, so its commit record ends
        /// before `lsn`; anything ending later is not visible, which also keeps a 32-bit xid
        /// from ever being compared across a wraparound.
        public func includes(xid: UInt32, endLSN: UInt64) -> Bool {
            guard endLSN <= lsn, let parsed = Self.parse(snapshot) else { return false }
            // The 64-bit xid with xmax's epoch; one more than 2^31 past xmax belongs to the
            // epoch before (xids compare modulo 2^32 within 2^31 of each other).
            var full = (parsed.xmax & ~0xFFFF_FFFF) | UInt64(xid)
            if full > parsed.xmax + (1 << 31), full >= 1 << 32 { full -= 1 << 32 }
            if full >= parsed.xmax { return false }
            if full < parsed.xmin { return true }
            return !parsed.running.contains(full)
        }

        static func parse(_ text: String) -> (xmin: UInt64, xmax: UInt64, running: Set<UInt64>)? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]) else { return nil }
            let running = parts[2].split(separator: ",").compactMap { UInt64($0) }
            return (xmin, xmax, Set(running))
        }
    }

    public struct Table: Sendable, Equatable, Codable {
        /// `schema.table`.
        public var name: String
        /// The view the table was first read under; `nil` until its reading starts.
        public var view: View?
        /// Rows stored as events so far.
        public var rows: Int64
        public var done: Bool
        /// The primary key (PostgreSQL's text of each key column) of the last stored row; the
        /// next page starts after it.
        public var afterKey: [String]?

        public init(name: String, view: View? = nil, rows: Int64 = 0, done: Bool = false, afterKey: [String]? = nil) {
            self.name = name
            self.view = view
            self.rows = rows
            self.done = done
            self.afterKey = afterKey
        }
    }

    public var status: Status
    public var tables: [Table]
    /// Asked for on a source that already streamed (`POST /v1/sources/:id/backfill`), whose
    /// receivers hold rows: before its rows are read, the changes still in the slot that its
    /// view holds are sent as changes (a delete cannot be restated by a row read), so each row
    /// then restates what a receiver holds. `nil` for a snapshot asked for at create.
    public var backfill: Bool?
    /// Unix ms.
    public var startedAt: Int64?
    public var finishedAt: Int64?

    public init(status: Status = .pending, tables: [Table], backfill: Bool? = nil, startedAt: Int64? = nil, finishedAt: Int64? = nil) {
        self.status = status
        self.tables = tables
        self.backfill = backfill
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// A snapshot to take of `tables` (`schema.table` names).
    public init(of tables: [String]) {
        self.init(tables: tables.map { Table(name: $0) })
    }

    public var rows: Int64 { tables.reduce(0) { $0 + $1.rows } }

    /// Whether a streamed change to `table` by transaction `xid` (ending at `endLSN`) is
    /// already in the snapshot's rows, and so must not be emitted again.
    public func covers(table: String, xid: UInt32, endLSN: UInt64) -> Bool {
        guard let view = tables.first(where: { $0.name == table })?.view else { return false }
        return view.includes(xid: xid, endLSN: endLSN)
    }
}
