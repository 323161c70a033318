import JSONValue

/// Turns the stream of pgoutput messages into committed transactions of ``RowChange``s: keeps
/// the Relation of each table, maps tuples to JSON by column type, and hands a transaction out
/// only at its Commit. A value type returning actions; the capture loop does the I/O.
///
/// What `before` holds follows the table's replica identity, because that is all PostgreSQL
/// writes to the WAL:
/// - `REPLICA IDENTITY FULL`: the whole old row, for UPDATE and DELETE;
/// - `DEFAULT` (primary key) or `USING INDEX`: the key columns only — from the old key when the
///   UPDATE changed it, else from the new row (the key is unchanged then);
/// - `NOTHING`: `null`.
/// An unchanged TOASTed value (a large value the UPDATE did not touch, which PostgreSQL does
/// not send again) is taken from the old row when the old row carries it (FULL); otherwise the
/// column is left out of `after` — absent means "unchanged, not sent", `null` means SQL NULL.
public struct ChangeAssembler: Sendable {
    public private(set) var relations: [UInt32: Relation] = [:]
    public var catalog = PGTypeCatalog()
    private var open: PGOutputMessage.Begin?
    private var changes: [RowChange] = []

    public init() {}

    public enum Action: Sendable, Equatable {
        case none
        /// A Relation uses types the catalog does not know: look them up (`pg_type`) and teach
        /// ``catalog`` before the next message; until then they map as text.
        case describeTypes([UInt32])
        case committed(CommittedTransaction)
    }

    public enum AssemblyError: Error, Equatable, Sendable {
        case changeOutsideTransaction
        case unknownRelation(UInt32)
        case nestedBegin
        case commitWithoutBegin
        case tupleShape(table: String, expected: Int, got: Int)
    }

    /// - Parameter lsn: the `lsn` column of the peeked row carrying the message.
    public mutating func receive(_ message: PGOutputMessage, lsn: LSN) throws(AssemblyError) -> Action {
        switch message {
        case .begin(let begin):
            guard open == nil else { throw .nestedBegin }
            open = begin
            changes = []
        case .commit(let commit):
            guard let begin = open else { throw .commitWithoutBegin }
            open = nil
            let transaction = CommittedTransaction(
                xid: begin.xid, endLSN: commit.endLSN, commitLSN: commit.commitLSN, commitTime: commit.commitTime, changes: changes)
            changes = []
            return .committed(transaction)
        case .relation(let relation):
            relations[relation.id] = relation
            let unknown = Set(relation.columns.map(\.typeOID).filter { !catalog.isKnown($0) })
            if !unknown.isEmpty { return .describeTypes(unknown.sorted()) }
        case .type, .origin, .message:
            // Type names come from pg_type through the catalog; origins and logical messages
            // carry no row change.
            break
        case .insert(let relationID, let new):
            let relation = try changing(relationID)
            let after = try row(new, of: relation, keysOnly: false, fallback: nil)
            var change = RowChange(lsn: lsn, schema: relation.schema, table: relation.name, operation: .insert, before: nil, after: after)
            if relation.hasKey { change.identity = try row(new, of: relation, keysOnly: true, fallback: nil) }
            changes.append(change)
        case .update(let relationID, let old, let new):
            let relation = try changing(relationID)
            var before: JSONObject?
            switch old {
            case .full(let tuple): before = try row(tuple, of: relation, keysOnly: false, fallback: nil)
            case .key(let tuple): before = try row(tuple, of: relation, keysOnly: true, fallback: nil)
            case nil where relation.hasKey: before = try row(new, of: relation, keysOnly: true, fallback: nil)
            case nil: before = nil
            }
            let fullBefore: TupleData? = if case .full(let tuple) = old { tuple } else { nil }
            let after = try row(new, of: relation, keysOnly: false, fallback: fullBefore)
            var change = RowChange(lsn: lsn, schema: relation.schema, table: relation.name, operation: .update, before: before, after: after)
            // The new key: an UPDATE that changes the key is ordered with the row's later changes.
            if relation.hasKey { change.identity = try row(new, of: relation, keysOnly: true, fallback: nil) }
            changes.append(change)
        case .delete(let relationID, let old):
            let relation = try changing(relationID)
            let before: JSONObject
            switch old {
            case .full(let tuple): before = try row(tuple, of: relation, keysOnly: false, fallback: nil)
            case .key(let tuple): before = try row(tuple, of: relation, keysOnly: true, fallback: nil)
            }
            var change = RowChange(lsn: lsn, schema: relation.schema, table: relation.name, operation: .delete, before: before, after: nil)
            if relation.hasKey { change.identity = before }
            changes.append(change)
        case .truncate(let truncate):
            guard open != nil else { throw .changeOutsideTransaction }
            for id in truncate.relationIDs {
                guard let relation = relations[id] else { throw .unknownRelation(id) }
                changes.append(RowChange(lsn: lsn, schema: relation.schema, table: relation.name, operation: .truncate, before: nil, after: nil))
            }
        }
        return .none
    }

    private func changing(_ relationID: UInt32) throws(AssemblyError) -> Relation {
        guard open != nil else { throw .changeOutsideTransaction }
        guard let relation = relations[relationID] else { throw .unknownRelation(relationID) }
        return relation
    }

    /// The tuple as a JSON object in column order. `keysOnly` keeps the replica identity's
    /// columns; an unchanged TOAST value comes from `fallback` (the full old row) when it has it.
    private func row(_ tuple: TupleData, of relation: Relation, keysOnly: Bool, fallback: TupleData?) throws(AssemblyError) -> JSONObject {
        guard tuple.values.count == relation.columns.count else {
            throw .tupleShape(table: relation.name, expected: relation.columns.count, got: tuple.values.count)
        }
        var out = JSONObject(minimumCapacity: relation.columns.count)
        for (index, column) in relation.columns.enumerated() where !keysOnly || column.isKey {
            var value = tuple.values[index]
            if value == .unchangedToast, let fallback, index < fallback.values.count { value = fallback.values[index] }
            switch value {
            case .null: out[column.name] = .null
            case .unchangedToast: continue
            case .text(let text): out[column.name] = PGValueMapping.json(text, as: catalog.type(of: column.typeOID))
            // Never requested (no `binary` option); kept visible rather than dropped.
            case .binary(let bytes): out[column.name] = .string(PGValueMapping.base64(bytes))
            }
        }
        return out
    }
}

extension Relation {
    /// The schema as users write it: pgoutput sends "" for pg_catalog.
    public var schema: String { namespace.isEmpty ? "pg_catalog" : namespace }

    /// Whether updates and deletes identify the row by key columns (DEFAULT or USING INDEX).
    var hasKey: Bool { replicaIdentity != .nothing && replicaIdentity != .full && columns.contains(where: \.isKey) }
}
