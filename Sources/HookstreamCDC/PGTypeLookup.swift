import Logging
import PGOutput
import PostgresNIO

/// Teaches a ``ChangeAssembler``'s type catalog what `pg_type` says about types it does not
/// know: arrays map by their element type (with its delimiter), domains by their base type;
/// anything else (enums, composites, ranges) stays text, which is how they map.
enum PGTypeLookup {
    static func describe(_ oids: [UInt32], into catalog: inout PGTypeCatalog, on db: PostgresConnection, logger: Logger) async throws {
        guard !oids.isEmpty else { return }
        let rows = try await db.guardedQuery(
            """
            SELECT t.oid::int8, t.typelem::int8, t.typbasetype::int8, coalesce(e.typdelim, ',')::text
            FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem
            WHERE t.oid = ANY(\(oids.map { Int64($0) })::oid[])
            """, logger: logger)
        var arrays: [(oid: UInt32, element: UInt32, delimiter: UInt8)] = []
        var aliases: [(oid: UInt32, base: UInt32)] = []
        for try await (oid, element, base, delimiter) in rows.decode((Int64, Int64, Int64, String).self) {
            if base != 0 { aliases.append((UInt32(oid), UInt32(base))) }
            if element != 0 { arrays.append((UInt32(oid), UInt32(element), delimiter.utf8.first ?? UInt8(ascii: ","))) }
        }
        // A domain's base or an array's element may itself be unknown here (an array of a
        // domain): those are described first, so the outer type maps as the inner one does.
        let inner = Set(aliases.map(\.base) + arrays.map(\.element)).filter { !catalog.isKnown($0) && !oids.contains($0) }
        if !inner.isEmpty { try await describe(inner.sorted(), into: &catalog, on: db, logger: logger) }
        for alias in aliases { catalog.learnAlias(alias.oid, of: alias.base) }
        for array in arrays { catalog.learnArray(array.oid, of: array.element, delimiter: array.delimiter) }
    }
}
