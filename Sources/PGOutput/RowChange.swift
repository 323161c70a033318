public import JSONValue

/// One committed row change, its values already mapped to JSON.
public struct RowChange: Sendable, Equatable {
    public enum Operation: String, Sendable, Equatable {
        case insert = "INSERT"
        case update = "UPDATE"
        case delete = "DELETE"
        /// The whole table was emptied (`TRUNCATE`); `before` and `after` are null.
        case truncate = "TRUNCATE"
    }

    /// Where the change's message sits in the WAL (the `lsn` of its peeked row).
    public var lsn: LSN
    public var schema: String
    public var table: String
    public var operation: Operation
    /// See ``ChangeAssembler`` for what `before` holds under each replica identity.
    public var before: JSONObject?
    public var after: JSONObject?
    /// The row's replica identity (its key columns, in column order), or `nil` when the table
    /// has no key identity (`FULL`, `NOTHING`) or the change is a `TRUNCATE`.
    public var identity: JSONObject?

    public init(lsn: LSN, schema: String, table: String, operation: Operation, before: JSONObject?, after: JSONObject?) {
        self.lsn = lsn
        self.schema = schema
        self.table = table
        self.operation = operation
        self.before = before
        self.after = after
    }
}

extension RowChange {
    /// What deliveries are ordered by: the table and the row's identity, so changes of one
    /// row reach a destination in commit order (also across retries). A change without an
    /// identity orders with its whole table's other such changes.
    public var orderKey: String {
        "\(schema).\(table)" + (identity.map { " " + JSON.object($0).serialized() } ?? "")
    }
}

/// The changes of one committed transaction, in commit order.
public struct CommittedTransaction: Sendable, Equatable {
    public var xid: UInt32
    /// Where the transaction's commit record ends: once it is stored, the slot may advance here.
    public var endLSN: LSN
    public var commitLSN: LSN
    /// Microseconds since 2000-01-01 UTC.
    public var commitTime: Int64
    public var changes: [RowChange]

    public init(xid: UInt32, endLSN: LSN, commitLSN: LSN, commitTime: Int64, changes: [RowChange]) {
        self.xid = xid
        self.endLSN = endLSN
        self.commitLSN = commitLSN
        self.commitTime = commitTime
        self.changes = changes
    }
}
