/// One message of PostgreSQL's built-in logical replication output plugin, `pgoutput`, protocol
/// version 1 (PostgreSQL's "Logical Replication Message Formats"). Each row that
/// `pg_logical_slot_peek_binary_changes` returns holds exactly one.
public enum PGOutputMessage: Sendable, Equatable {
    case begin(Begin)
    case commit(Commit)
    /// The transaction was replicated from another node (`origin` set); passed through.
    case origin(lsn: LSN, name: String)
    /// Sent before the first change of a table in a session, and again when its shape changes:
    /// later changes of the table are read against the latest one.
    case relation(Relation)
    /// Names a non-built-in type (enum, domain, composite…) a Relation column uses.
    case type(TypeInfo)
    case insert(relationID: UInt32, new: TupleData)
    /// `old` is the replica identity of the row before: its key columns (`.key`) when the key
    /// changed, or the whole row (`.full`) with `REPLICA IDENTITY FULL`; `nil` otherwise.
    case update(relationID: UInt32, old: OldTuple?, new: TupleData)
    case delete(relationID: UInt32, old: OldTuple)
    case truncate(Truncate)
    /// A `pg_logical_emit_message` (only sent when asked for with the `messages` option).
    case message(transactional: Bool, lsn: LSN, prefix: String, content: [UInt8])

    public struct Begin: Sendable, Equatable {
        /// Where the transaction's commit record ends: the position a consumer has seen all
        /// of it at.
        public var finalLSN: LSN
        /// Microseconds since 2000-01-01 00:00:00 UTC (PostgreSQL's epoch).
        public var commitTime: Int64
        public var xid: UInt32

        public init(finalLSN: LSN, commitTime: Int64, xid: UInt32) {
            self.finalLSN = finalLSN
            self.commitTime = commitTime
            self.xid = xid
        }
    }

    public struct Commit: Sendable, Equatable {
        public var flags: UInt8
        public var commitLSN: LSN
        public var endLSN: LSN
        public var commitTime: Int64

        public init(flags: UInt8, commitLSN: LSN, endLSN: LSN, commitTime: Int64) {
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTime = commitTime
        }
    }

    public struct Truncate: Sendable, Equatable {
        public var cascade: Bool
        public var restartIdentity: Bool
        public var relationIDs: [UInt32]

        public init(cascade: Bool, restartIdentity: Bool, relationIDs: [UInt32]) {
            self.cascade = cascade
            self.restartIdentity = restartIdentity
            self.relationIDs = relationIDs
        }
    }

    public struct TypeInfo: Sendable, Equatable {
        public var oid: UInt32
        public var namespace: String
        public var name: String

        public init(oid: UInt32, namespace: String, name: String) {
            self.oid = oid
            self.namespace = namespace
            self.name = name
        }
    }
}

/// A table as the Relation message describes it.
public struct Relation: Sendable, Equatable {
    /// `d` default (primary key), `n` nothing, `f` full row, `i` a chosen unique index.
    public enum ReplicaIdentity: UInt8, Sendable, Equatable {
        case `default` = 0x64
        case nothing = 0x6E
        case full = 0x66
        case index = 0x69
    }

    public struct Column: Sendable, Equatable {
        /// Part of the replica identity (the key sent for updates and deletes).
        public var isKey: Bool
        public var name: String
        public var typeOID: UInt32
        public var typeModifier: Int32

        public init(isKey: Bool, name: String, typeOID: UInt32, typeModifier: Int32 = -1) {
            self.isKey = isKey
            self.name = name
            self.typeOID = typeOID
            self.typeModifier = typeModifier
        }
    }

    public var id: UInt32
    /// The schema; pgoutput sends an empty string for `pg_catalog`.
    public var namespace: String
    public var name: String
    public var replicaIdentity: ReplicaIdentity
    public var columns: [Column]

    public init(id: UInt32, namespace: String, name: String, replicaIdentity: ReplicaIdentity, columns: [Column]) {
        self.id = id
        self.namespace = namespace
        self.name = name
        self.replicaIdentity = replicaIdentity
        self.columns = columns
    }
}

/// The column values of one row, in the Relation's column order.
public struct TupleData: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case null
        /// A TOASTed value the change did not touch: PostgreSQL does not send it again.
        case unchangedToast
        /// The type's text output (what `SELECT col::text` prints in the decoding session).
        case text([UInt8])
        /// The type's binary send format (only with the `binary` option, never asked for here).
        case binary([UInt8])
    }

    public var values: [Value]

    public init(_ values: [Value]) { self.values = values }
}

/// The "before" image an update or delete carries.
public enum OldTuple: Sendable, Equatable {
    /// Only the replica identity's key columns hold values (the others are sent as NULL).
    case key(TupleData)
    /// The whole row (`REPLICA IDENTITY FULL`).
    case full(TupleData)
}
