import HookstreamTesting
import JSONValue
import PGOutput
import PostgresNIO
import Testing

/// The decoder and type mapping against what PostgreSQL 15 actually sends: changes made in the
/// test server, read back with `pg_logical_slot_peek_binary_changes` as the capture loop reads
/// them. Needs HOOKSTREAM_TEST_POSTGRES_URL (scripts/with-services postgres -- …).
@Suite struct LiveServerDecodingTests {
    let logger = TestPostgres.logger

    @Test func everyTypeOfTheMatrixDecodesFromRealServerOutput() async throws {
        let uri = try await TestPostgres.createDatabase("pgoutput_live")
        try await TestPostgres.withConnection(uri) { db in
            try await TestPostgres.execute(
                [
                    "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                    "CREATE DOMAIN positive AS bigint CHECK (VALUE > 0)",
                    """
                    CREATE TABLE kinds (id bigint PRIMARY KEY, t text, v varchar(10), i2 smallint, i4 int, i8 bigint, n numeric,
                      b boolean, f4 real, f8 double precision, ts timestamp, tz timestamptz, d date, j json, jb jsonb, u uuid,
                      by bytea, ai int[], at text[], m mood, am mood[], p positive, big text)
                    """,
                    "ALTER TABLE kinds ALTER COLUMN big SET STORAGE EXTERNAL",
                    "CREATE PUBLICATION live_pub FOR TABLE kinds",
                    "SELECT pg_create_logical_replication_slot('live_slot', 'pgoutput')",
                    // A writer in another zone: timestamptz must still come out in UTC.
                    "SET TimeZone = 'America/New_York'",
                    """
                    INSERT INTO kinds VALUES (1, 'hé "x"', 'vc', -32768, 2147483647, 9007199254740993, 12345678901234567890.000001,
                      true, 1.1, 0.1, '2026-03-13 10:30:00.123456', '2026-03-13 10:30:00.5+00', '2026-03-13', '{"a": [1, 2.5]}',
                      '{"b": null}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef', '{1,NULL,3}', '{"a b",c,"NULL"}', 'happy',
                      '{sad,happy}', 9007199254740993, repeat('x', 3000))
                    """,
                    "UPDATE kinds SET t = 'changed' WHERE id = 1",
                    "ALTER TABLE kinds REPLICA IDENTITY FULL",
                    "UPDATE kinds SET n = 99.00, id = 2 WHERE id = 1",
                    "DELETE FROM kinds",
                    // The decoding session's settings, as the capture loop sets them.
                    "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO'", "SET bytea_output = 'hex'", "SET extra_float_digits = 1",
                ], on: db)

            var rows: [(lsn: LSN, data: [UInt8])] = []
            let peeked = try await db.query(
                """
                SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(\("live_slot")::name, NULL, \(1000)::int,
                  'proto_version', '1', 'publication_names', \("live_pub"))
                """, logger: logger)
            for try await (lsn, data) in peeked.decode((String, ByteBuffer).self) {
                rows.append((lsn: try #require(LSN(lsn)), data: Array(data.readableBytesView)))
            }
            let types = try await typeAnswers(for: rows, on: db)
            let transactions = try assemble(rows, types: types)
            try await TestPostgres.execute(["SELECT pg_drop_replication_slot('live_slot')"], on: db)

            #expect(transactions.map { $0.changes.map(\.operation) } == [[.insert], [.update], [.update], [.delete]])
            var expected = ChangeAssemblerTests.insertedRow
            expected.removeValue(forKey: "big")
            expected["p"] = "9007199254740993"
            expected["big"] = .string(String(repeating: "x", count: 3000))
            let insert = transactions[0].changes[0]
            #expect(insert.after == expected)
            #expect(Array(insert.after?.keys ?? []) == Array(expected.keys))

            let keptKey = transactions[1].changes[0]
            #expect(keptKey.before == ["id": 1])
            #expect(keptKey.after?["t"] == "changed")
            #expect(keptKey.after?["big"] == nil, "an unchanged TOAST value is not sent, so not invented")

            let full = transactions[2].changes[0]
            #expect(full.before?["id"] == 1 && full.after?["id"] == 2)
            #expect(full.after?["n"] == 99)
            #expect(full.before?["big"] == expected["big"] && full.after?["big"] == expected["big"])

            #expect(transactions[3].changes[0].before?["id"] == 2)
            #expect(transactions.allSatisfy { $0.commitLSN < $0.endLSN })
            #expect(zip(transactions, transactions.dropFirst()).allSatisfy { $0.endLSN < $1.endLSN })
        }
    }

    /// Answers the assembler's type questions from the server's `pg_type`, as the capture loop
    /// does: arrays by their element, domains by their base type.
    private func typeAnswers(for rows: [(lsn: LSN, data: [UInt8])], on db: PostgresConnection) async throws -> TypeAnswers {
        var oids: Set<UInt32> = []
        let catalog = PGTypeCatalog()
        for row in rows {
            if case .relation(let relation) = try PGOutputDecoder.decode(row.data) {
                oids.formUnion(relation.columns.map(\.typeOID).filter { !catalog.isKnown($0) })
            }
        }
        var answers = TypeAnswers()
        let result = try await db.query(
            "SELECT oid::int8, typelem::int8, typbasetype::int8 FROM pg_type WHERE oid = ANY(\(oids.map { Int64($0) })::oid[])",
            logger: logger)
        for try await (oid, element, base) in result.decode((Int64, Int64, Int64).self) {
            if element != 0 { answers.arrays[UInt32(oid)] = UInt32(element) }
            if base != 0 { answers.aliases[UInt32(oid)] = UInt32(base) }
        }
        #expect(answers.arrays.count == 1 && answers.aliases.count == 1, "mood[] and the domain were asked about")
        return answers
    }
}
