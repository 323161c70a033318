/// Decodes the bytes of one pgoutput message (protocol version 1). Pure: no state is kept
/// between messages; pairing changes with their Relation is ``ChangeAssembler``'s job.
///
///     let message = try PGOutputDecoder.decode(row.data)   // one row of peek_binary_changes
public enum PGOutputDecoder {
    /// - Throws: ``PGOutputError`` for bytes that are not one whole message.
    public static func decode(_ bytes: [UInt8]) throws(PGOutputError) -> PGOutputMessage {
        var reader = ByteReader(bytes)
        guard !bytes.isEmpty else { throw .empty }
        let tag = try reader.uint8()
        let message: PGOutputMessage
        switch tag {
        case ascii("B"):
            message = .begin(.init(finalLSN: LSN(try reader.uint64()), commitTime: try reader.int64(), xid: try reader.uint32()))
        case ascii("C"):
            message = .commit(
                .init(flags: try reader.uint8(), commitLSN: LSN(try reader.uint64()), endLSN: LSN(try reader.uint64()), commitTime: try reader.int64()))
        case ascii("O"):
            message = .origin(lsn: LSN(try reader.uint64()), name: try reader.cString())
        case ascii("R"):
            message = .relation(try relation(&reader))
        case ascii("Y"):
            message = .type(.init(oid: try reader.uint32(), namespace: try reader.cString(), name: try reader.cString()))
        case ascii("I"):
            let relationID = try reader.uint32()
            try expect(&reader, "N")
            message = .insert(relationID: relationID, new: try tuple(&reader))
        case ascii("U"):
            let relationID = try reader.uint32()
            var old: OldTuple?
            var marker = try reader.uint8()
            if marker == ascii("K") || marker == ascii("O") {
                old = try oldTuple(marker, &reader)
                marker = try reader.uint8()
            }
            guard marker == ascii("N") else { throw .unexpectedByte(marker, expected: "N", at: reader.offset - 1) }
            message = .update(relationID: relationID, old: old, new: try tuple(&reader))
        case ascii("D"):
            let relationID = try reader.uint32()
            let marker = try reader.uint8()
            guard marker == ascii("K") || marker == ascii("O") else { throw .unexpectedByte(marker, expected: "K or O", at: reader.offset - 1) }
            message = .delete(relationID: relationID, old: try oldTuple(marker, &reader))
        case ascii("T"):
            let count = try reader.int32()
            let options = try reader.uint8()
            var ids: [UInt32] = []
            for _ in 0..<max(0, count) { ids.append(try reader.uint32()) }
            message = .truncate(.init(cascade: options & 1 != 0, restartIdentity: options & 2 != 0, relationIDs: ids))
        case ascii("M"):
            let flags = try reader.uint8()
            let lsn = LSN(try reader.uint64())
            let prefix = try reader.cString()
            let length = try reader.int32()
            message = .message(transactional: flags & 1 != 0, lsn: lsn, prefix: prefix, content: try reader.bytes(Int(length)))
        default:
            throw .unknownMessage(tag: tag)
        }
        guard reader.isAtEnd else { throw .trailingBytes(at: reader.offset) }
        return message
    }

    private static func relation(_ reader: inout ByteReader) throws(PGOutputError) -> Relation {
        let id = try reader.uint32()
        let namespace = try reader.cString()
        let name = try reader.cString()
        let identityByte = try reader.uint8()
        guard let identity = Relation.ReplicaIdentity(rawValue: identityByte) else {
            throw .unexpectedByte(identityByte, expected: "a replica identity (d, n, f, i)", at: reader.offset - 1)
        }
        let count = try reader.int16()
        var columns: [Relation.Column] = []
        columns.reserveCapacity(Int(max(0, count)))
        for _ in 0..<max(0, count) {
            let flags = try reader.uint8()
            columns.append(
                .init(isKey: flags & 1 != 0, name: try reader.cString(), typeOID: try reader.uint32(), typeModifier: try reader.int32()))
        }
        return Relation(id: id, namespace: namespace, name: name, replicaIdentity: identity, columns: columns)
    }

    private static func oldTuple(_ marker: UInt8, _ reader: inout ByteReader) throws(PGOutputError) -> OldTuple {
        let data = try tuple(&reader)
        return marker == ascii("K") ? .key(data) : .full(data)
    }

    private static func tuple(_ reader: inout ByteReader) throws(PGOutputError) -> TupleData {
        let count = try reader.int16()
        var values: [TupleData.Value] = []
        values.reserveCapacity(Int(max(0, count)))
        for _ in 0..<max(0, count) {
            let kind = try reader.uint8()
            switch kind {
            case ascii("n"): values.append(.null)
            case ascii("u"): values.append(.unchangedToast)
            case ascii("t"): values.append(.text(try reader.bytes(Int(try reader.int32()))))
            case ascii("b"): values.append(.binary(try reader.bytes(Int(try reader.int32()))))
            default: throw .unexpectedByte(kind, expected: "a column kind (n, u, t, b)", at: reader.offset - 1)
            }
        }
        return TupleData(values)
    }

    private static func expect(_ reader: inout ByteReader, _ marker: Character) throws(PGOutputError) {
        let byte = try reader.uint8()
        guard byte == ascii(marker) else { throw .unexpectedByte(byte, expected: String(marker), at: reader.offset - 1) }
    }

    private static func ascii(_ c: Character) -> UInt8 { c.asciiValue! }
}
