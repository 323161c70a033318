import Foundation
import PGOutput

/// Rows of `pg_logical_slot_peek_binary_changes` captured once from PostgreSQL 15 and kept as
/// text (`lsn <TAB> xid <TAB> hex(data)`); see Fixtures/README.md for the statements that made
/// them.
enum CapturedFixture {
    struct Row {
        var lsn: LSN
        var xid: UInt32
        var data: [UInt8]
    }

    static func rows(_ name: String) throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            return Row(lsn: LSN(String(fields[0]))!, xid: UInt32(fields[1])!, data: hex(fields[2]))
        }
    }
}

/// What the capture loop does with `.describeTypes`, answered from a fixed `pg_type` excerpt.
struct TypeAnswers {
    /// oid → (array of element oid) or (alias of base oid)
    var arrays: [UInt32: UInt32] = [:]
    var aliases: [UInt32: UInt32] = [:]

    func teach(_ assembler: inout ChangeAssembler, _ oids: [UInt32]) {
        for oid in oids {
            if let element = arrays[oid] { assembler.catalog.learnArray(oid, of: element) }
            if let base = aliases[oid] { assembler.catalog.learnAlias(oid, of: base) }
        }
    }
}

/// Decodes and assembles every row, answering type questions from `types`.
func assemble(_ rows: [(lsn: LSN, data: [UInt8])], types: TypeAnswers) throws -> [CommittedTransaction] {
    var assembler = ChangeAssembler()
    var committed: [CommittedTransaction] = []
    for row in rows {
        switch try assembler.receive(try PGOutputDecoder.decode(row.data), lsn: row.lsn) {
        case .none: break
        case .describeTypes(let oids): types.teach(&assembler, oids)
        case .committed(let transaction): committed.append(transaction)
        }
    }
    return committed
}
