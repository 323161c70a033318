import PGOutput
import Testing

@Suite struct PGOutputDecoderTests {
    @Test func beginAndCommit() throws {
        let begin = Bytes().tag("B").u64(0x1_0000_00AB).i64(826_367_000_123_456).u32(742)
        #expect(try PGOutputDecoder.decode(begin.bytes) == .begin(.init(finalLSN: LSN(0x1_0000_00AB), commitTime: 826_367_000_123_456, xid: 742)))
        let commit = Bytes().tag("C").u8(0).u64(0x1D51960).u64(0x1D51990).i64(42)
        #expect(
            try PGOutputDecoder.decode(commit.bytes)
                == .commit(.init(flags: 0, commitLSN: LSN(0x1D51960), endLSN: LSN(0x1D51990), commitTime: 42)))
    }

    @Test func relationWithKeyColumnsAndTypeModifiers() throws {
        let bytes = Bytes().tag("R").u32(16411).cString("public").cString("orders").u8(UInt8(ascii: "d")).i16(2)
            .u8(1).cString("id").u32(20).i32(-1)
            .u8(0).cString("code").u32(1043).i32(14)
        let expected = Relation(
            id: 16411, namespace: "public", name: "orders", replicaIdentity: .default,
            columns: [.init(isKey: true, name: "id", typeOID: 20), .init(isKey: false, name: "code", typeOID: 1043, typeModifier: 14)])
        #expect(try PGOutputDecoder.decode(bytes.bytes) == .relation(expected))
    }

    @Test func typeAndOriginAndLogicalMessage() throws {
        #expect(
            try PGOutputDecoder.decode(Bytes().tag("Y").u32(16406).cString("public").cString("mood").bytes)
                == .type(.init(oid: 16406, namespace: "public", name: "mood")))
        #expect(try PGOutputDecoder.decode(Bytes().tag("O").u64(7).cString("node_a").bytes) == .origin(lsn: LSN(7), name: "node_a"))
        let message = Bytes().tag("M").u8(1).u64(9).cString("app").i32(2).u8(0xCA).u8(0xFE)
        #expect(try PGOutputDecoder.decode(message.bytes) == .message(transactional: true, lsn: LSN(9), prefix: "app", content: [0xCA, 0xFE]))
    }

    @Test(arguments: [
        // Insert: new tuple with every column kind.
        (
            Bytes().tag("I").u32(5).tag("N").tuple(["1", nil, toast]),
            PGOutputMessage.insert(relationID: 5, new: TupleData([.text(Array("1".utf8)), .null, .unchangedToast]))
        ),
        // Update without an old tuple (key unchanged under REPLICA IDENTITY DEFAULT).
        (
            Bytes().tag("U").u32(5).tag("N").tuple(["1", "b"]),
            .update(relationID: 5, old: nil, new: TupleData([.text([0x31]), .text([0x62])]))
        ),
        // Update whose key changed: the old key first.
        (
            Bytes().tag("U").u32(5).tag("K").tuple(["1", nil]).tag("N").tuple(["2", "b"]),
            .update(relationID: 5, old: .key(TupleData([.text([0x31]), .null])), new: TupleData([.text([0x32]), .text([0x62])]))
        ),
        // Update under REPLICA IDENTITY FULL: the whole old row.
        (
            Bytes().tag("U").u32(5).tag("O").tuple(["1", "a"]).tag("N").tuple(["1", "b"]),
            .update(relationID: 5, old: .full(TupleData([.text([0x31]), .text([0x61])])), new: TupleData([.text([0x31]), .text([0x62])]))
        ),
        (Bytes().tag("D").u32(5).tag("K").tuple(["1", nil]), .delete(relationID: 5, old: .key(TupleData([.text([0x31]), .null])))),
        (Bytes().tag("D").u32(5).tag("O").tuple(["1", "a"]), .delete(relationID: 5, old: .full(TupleData([.text([0x31]), .text([0x61])])))),
        (
            Bytes().tag("T").i32(2).u8(3).u32(5).u32(6),
            .truncate(.init(cascade: true, restartIdentity: true, relationIDs: [5, 6]))
        ),
    ])
    func changeMessages(bytes: Bytes, expected: PGOutputMessage) throws {
        #expect(try PGOutputDecoder.decode(bytes.bytes) == expected)
    }

    @Test func binaryColumnValues() throws {
        let bytes = Bytes().tag("I").u32(5).tag("N").i16(1).tag("b").i32(2).u8(0).u8(7)
        #expect(try PGOutputDecoder.decode(bytes.bytes) == .insert(relationID: 5, new: TupleData([.binary([0, 7])])))
    }

    @Test(arguments: [
        ([UInt8](), PGOutputError.empty),
        (Array("Z".utf8), .unknownMessage(tag: UInt8(ascii: "Z"))),
        (Bytes().tag("B").u64(1).bytes, .truncated(at: 9)),
        (Bytes().tag("I").u32(5).tag("X").bytes, .unexpectedByte(UInt8(ascii: "X"), expected: "N", at: 5)),
        (Bytes().tag("D").u32(5).tag("N").tuple([]).bytes, .unexpectedByte(UInt8(ascii: "N"), expected: "K or O", at: 5)),
        (Bytes().tag("I").u32(5).tag("N").i16(1).tag("q").bytes, .unexpectedByte(UInt8(ascii: "q"), expected: "a column kind (n, u, t, b)", at: 8)),
        // A text value claiming more bytes than there are.
        (Bytes().tag("I").u32(5).tag("N").i16(1).tag("t").i32(10).u8(1).bytes, .truncated(at: 13)),
        (Bytes().tag("O").u64(1).cString("x").u8(0).bytes, .trailingBytes(at: 11)),
        (Bytes().tag("R").u32(1).cString("s").cString("t").u8(UInt8(ascii: "z")).i16(0).bytes, .unexpectedByte(UInt8(ascii: "z"), expected: "a replica identity (d, n, f, i)", at: 9)),
    ])
    func malformedBytesAreErrorsNeverCrashes(bytes: [UInt8], expected: PGOutputError) {
        #expect(throws: expected) { try PGOutputDecoder.decode(bytes) }
    }

    @Test func lsnTextRoundTrips() {
        #expect(LSN(0x1_01A2_B3C4).description == "1/1A2B3C4")
        #expect(LSN("0/1A2B3C4") == LSN(0x1A2B3C4))
        #expect(LSN("16/B374D848")?.value == 0x16_B374_D848)
        #expect(LSN("1A2B3C4") == nil)
        #expect(LSN("0/") == nil)
        #expect(LSN("0/123456789") == nil)
    }
}
