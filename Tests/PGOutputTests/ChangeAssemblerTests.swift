import JSONValue
import PGOutput
import Testing

@Suite struct ChangeAssemblerTests {
    /// `mood[]` is an array of the enum `mood` (oids of the captured database).
    static let kindsTypes = TypeAnswers(arrays: [16405: 16406])

    /// The row every type of the matrix was inserted with, as the payload carries it.
    static let insertedRow: JSONObject = [
        "id": 1, "t": "hé \"x\"", "v": "vc", "i2": -32768, "i4": 2_147_483_647, "i8": "9007199254740993",
        "n": "12345678901234567890.000001", "b": true, "f4": 1.1, "f8": 0.1, "ts": "2026-03-13T10:30:00.123456Z",
        "tz": "2026-03-13T10:30:00.500Z", "d": "2026-03-13", "j": ["a": [1, 2.5]], "jb": ["b": nil],
        "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "by": "3q2+7w==", "ai": [1, nil, 3], "at": ["a b", "c", "NULL"],
        "m": "happy", "am": ["sad", "happy"], "big": .string(String(repeating: "x", count: 3000)),
    ]

    @Test func capturedServerOutputAssemblesIntoTheTypeMatrix() throws {
        let rows = try CapturedFixture.rows("kinds-peek.tsv").map { (lsn: $0.lsn, data: $0.data) }
        let transactions = try assemble(rows, types: Self.kindsTypes)
        #expect(transactions.map(\.xid) == [742, 743, 745, 746, 747, 748])
        #expect(transactions.map { $0.changes.map(\.operation) } == [[.insert], [.update], [.update], [.delete], [.insert], [.truncate]])
        #expect(transactions[0].endLSN == LSN("0/1D51990"))
        #expect(transactions[0].changes[0].lsn == LSN("0/1D51770"))
        #expect(transactions[0].changes[0].schema == "public" && transactions[0].changes[0].table == "kinds")

        let insert = transactions[0].changes[0]
        #expect(insert.before == nil)
        #expect(insert.after == Self.insertedRow)
        #expect(Array(insert.after!.keys) == Array(Self.insertedRow.keys), "columns keep the table's order")

        // REPLICA IDENTITY DEFAULT, key unchanged: `before` is the key; the TOASTed column the
        // update did not touch is not sent, so it is absent from `after` (not null).
        let keptKey = transactions[1].changes[0]
        #expect(keptKey.before == ["id": 1])
        var expectedAfter = Self.insertedRow
        expectedAfter["t"] = "changed"
        expectedAfter["big"] = nil
        #expect(keptKey.after == expectedAfter)

        // REPLICA IDENTITY FULL: the whole old row, and `after` completed from it.
        let full = transactions[2].changes[0]
        var changedRow = Self.insertedRow
        changedRow["t"] = "changed"
        #expect(full.before?["t"] == "changed")
        #expect(full.before?["id"] == 1)
        #expect(full.after?["id"] == 2)
        #expect(full.after?["n"] == 99)
        #expect(full.after?["big"] == full.before?["big"])

        let delete = transactions[3].changes[0]
        #expect(delete.after == nil)
        #expect(delete.before?["id"] == 2)
        #expect(delete.before?["n"] == 99)

        let sparse = transactions[4].changes[0]
        #expect(sparse.after?["id"] == 3)
        #expect(sparse.after?["t"] == .null)
        #expect(sparse.after?.count == 22)

        #expect(transactions[5].changes[0].before == nil && transactions[5].changes[0].after == nil)
    }

    @Test func unknownTypesAreAskedForOnceTheRelationArrives() throws {
        var assembler = ChangeAssembler()
        _ = try assembler.receive(.begin(.init(finalLSN: LSN(9), commitTime: 0, xid: 1)), lsn: LSN(1))
        let relation = Relation(
            id: 7, namespace: "app", name: "t", replicaIdentity: .default,
            columns: [.init(isKey: true, name: "id", typeOID: 23), .init(isKey: false, name: "m", typeOID: 16406)])
        #expect(try assembler.receive(.relation(relation), lsn: LSN(1)) == .describeTypes([16406]))
        assembler.catalog.learnAlias(16406, of: 20)
        // Known now: a second Relation for the same table asks nothing.
        #expect(try assembler.receive(.relation(relation), lsn: LSN(1)) == .none)
        _ = try assembler.receive(.insert(relationID: 7, new: TupleData([.text(Array("5".utf8)), .text(Array("9007199254740993".utf8))])), lsn: LSN(2))
        guard case .committed(let t) = try assembler.receive(.commit(.init(flags: 0, commitLSN: LSN(8), endLSN: LSN(9), commitTime: 0)), lsn: LSN(3))
        else { Issue.record("no commit"); return }
        var expected = RowChange(lsn: LSN(2), schema: "app", table: "t", operation: .insert, before: nil, after: ["id": 5, "m": "9007199254740993"])
        expected.identity = ["id": 5]
        #expect(t.changes == [expected])
        #expect(t.changes.first?.orderKey == #"app.t {"id":5}"#, "deliveries are ordered by table and key")
    }

    @Test(arguments: [Relation.ReplicaIdentity.default, .index, .nothing])
    func beforeFollowsTheReplicaIdentity(_ identity: Relation.ReplicaIdentity) throws {
        var assembler = ChangeAssembler()
        let relation = Relation(
            id: 7, namespace: "public", name: "t", replicaIdentity: identity,
            columns: [.init(isKey: identity != .nothing, name: "id", typeOID: 23), .init(isKey: false, name: "s", typeOID: 25)])
        _ = try assembler.receive(.begin(.init(finalLSN: LSN(9), commitTime: 0, xid: 1)), lsn: LSN(1))
        _ = try assembler.receive(.relation(relation), lsn: LSN(1))
        let new = TupleData([.text(Array("1".utf8)), .text(Array("b".utf8))])
        _ = try assembler.receive(.update(relationID: 7, old: nil, new: new), lsn: LSN(2))
        // A key tuple carries NULL for the non-key columns: they are not part of `before`.
        _ = try assembler.receive(.delete(relationID: 7, old: .key(TupleData([.text(Array("1".utf8)), .null]))), lsn: LSN(3))
        guard case .committed(let t) = try assembler.receive(.commit(.init(flags: 0, commitLSN: LSN(8), endLSN: LSN(9), commitTime: 0)), lsn: LSN(4))
        else { Issue.record("no commit"); return }
        #expect(t.changes[0].before == (identity == .nothing ? nil : ["id": 1]))
        #expect(t.changes[0].after == ["id": 1, "s": "b"])
        #expect(t.changes[1].before == (identity == .nothing ? [:] : ["id": 1]))
        // Both changes of the row order their deliveries by its key; without one, by the table.
        #expect(t.changes.map(\.orderKey) == Array(repeating: identity == .nothing ? "public.t" : #"public.t {"id":1}"#, count: 2))
    }

    @Test func outOfOrderStreamsAreErrors() throws {
        var assembler = ChangeAssembler()
        #expect(throws: ChangeAssembler.AssemblyError.changeOutsideTransaction) {
            try assembler.receive(.insert(relationID: 1, new: TupleData([])), lsn: LSN(1))
        }
        #expect(throws: ChangeAssembler.AssemblyError.commitWithoutBegin) {
            try assembler.receive(.commit(.init(flags: 0, commitLSN: LSN(1), endLSN: LSN(2), commitTime: 0)), lsn: LSN(1))
        }
        _ = try assembler.receive(.begin(.init(finalLSN: LSN(9), commitTime: 0, xid: 1)), lsn: LSN(1))
        #expect(throws: ChangeAssembler.AssemblyError.unknownRelation(4)) {
            try assembler.receive(.insert(relationID: 4, new: TupleData([])), lsn: LSN(1))
        }
        #expect(throws: ChangeAssembler.AssemblyError.nestedBegin) {
            try assembler.receive(.begin(.init(finalLSN: LSN(9), commitTime: 0, xid: 2)), lsn: LSN(1))
        }
        _ = try assembler.receive(.relation(Relation(id: 4, namespace: "", name: "t", replicaIdentity: .full, columns: [])), lsn: LSN(1))
        #expect(throws: ChangeAssembler.AssemblyError.tupleShape(table: "t", expected: 0, got: 1)) {
            try assembler.receive(.insert(relationID: 4, new: TupleData([.null])), lsn: LSN(1))
        }
    }

    @Test func payloadHasThePagesShapeAndKeyOrder() {
        let change = RowChange(
            lsn: LSN(0x1A2B3C4), schema: "public", table: "orders", operation: .update, before: ["id": 42, "status": "pending"],
            after: ["id": 42, "status": "shipped"])
        let micros: Int64 = (1_773_397_800_123 - 946_684_800_000) * 1000
        let payload = ChangePayload.make(change, eventID: "evt_1", commitTime: micros, database: "shop", sourceID: "src_1", snapshot: false)
        #expect(
            payload.serialized()
                == #"{"id":"evt_1","timestamp":"2026-03-13T10:30:00.123Z","source":{"database":"shop","schema":"public","table":"orders"},"operation":"UPDATE","before":{"id":42,"status":"pending"},"after":{"id":42,"status":"shipped"},"metadata":{"source_id":"src_1","connector":"postgresql","lsn":"0/1A2B3C4","snapshot":false}}"#
        )
    }
}
