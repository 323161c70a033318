public import JSONValue

/// The body of a change event, exactly the streamhook page's shape and key order:
/// `{id, timestamp, source {database, schema, table}, operation, before, after,
/// metadata {source_id, connector, lsn, snapshot}}`.
public enum ChangePayload {
    /// - Parameters:
    ///   - eventID: the hookstream event ID the change is stored as (receivers dedupe on it).
    ///   - commitTime: the transaction's commit time, microseconds since 2000-01-01 UTC (for
    ///     snapshot rows: when the snapshot was taken).
    public static func make(
        _ change: RowChange, eventID: String, commitTime: Int64, database: String, sourceID: String, snapshot: Bool
    ) -> JSON {
        [
            "id": .string(eventID),
            "timestamp": .string(PGDateTime.iso(postgresMicros: commitTime)),
            "source": ["database": .string(database), "schema": .string(change.schema), "table": .string(change.table)],
            "operation": .string(change.operation.rawValue),
            "before": change.before.map(JSON.object) ?? .null,
            "after": change.after.map(JSON.object) ?? .null,
            "metadata": [
                "source_id": .string(sourceID), "connector": "postgresql", "lsn": .string(change.lsn.description),
                "snapshot": .bool(snapshot),
            ],
        ]
    }
}
