import Foundation
import JSONValue

/// The lines of the file `hookstream export` writes and `hookstream import` reads: NDJSON, one
/// JSON value per line, so a database of any size streams through in bounded memory and the
/// file can be read with ordinary tools.
///
/// ```
/// {"hookstream_export":1,"migrations":["001_accounts_sources_events",…],"exported_at":"…"}
/// {"table":"organizations","columns":["id","name","created_at"]}
/// ["org_…","Default",1764979200000]
/// …
/// {"end":{"organizations":1,"events":5120,…}}
/// ```
///
/// A row is an array in its table's column order. Values are the SQL layer's five kinds:
/// `null`, numbers, strings, `{"base64": …}` for bytes, and `{"int": "…"}` for an integer a
/// JSON reader could not hold exactly (beyond ±2^53). The last line counts every table's rows,
/// so an import can tell a complete file from one cut short.
enum TransferLine: Equatable {
    case header(migrations: [String])
    case table(name: String, columns: [String])
    case row([SQLValue])
    case end(rows: [String: Int])

    static let version = 1

    /// The header line, naming the migrations of the schema the rows were read from.
    static func header(migrations: [String], exportedAt: String) -> [UInt8] {
        let object: JSONObject = [
            "hookstream_export": .number(Double(version)), "migrations": .array(migrations.map(JSON.string)), "exported_at": .string(exportedAt),
        ]
        return JSON.object(object).serializedBytes() + [newline]
    }

    static func table(_ name: String, columns: [String]) -> [UInt8] {
        JSON.object(["table": .string(name), "columns": .array(columns.map(JSON.string))]).serializedBytes() + [newline]
    }

    static func end(_ counts: [(table: String, rows: Int)]) -> [UInt8] {
        var rows = JSONObject()
        for count in counts { rows[count.table] = .number(Double(count.rows)) }
        return JSON.object(["end": .object(rows)]).serializedBytes() + [newline]
    }

    /// Appends a row's line to `out`.
    static func row(_ values: [SQLValue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch value {
            case .null: out.append(contentsOf: "null".utf8)
            case .integer(let n) where n.magnitude <= exactIntegerLimit: out.append(contentsOf: String(n).utf8)
            case .integer(let n): JSON.object(["int": .string(String(n))]).write(to: &out)
            case .double(let d) where d.isFinite: JSON.number(d).write(to: &out)
            case .double(let d): JSON.object(["double": .string(String(d))]).write(to: &out)
            case .text(let text): JSON.writeString(text, to: &out)
            case .blob(let data): JSON.object(["base64": .string(data.base64EncodedString())]).write(to: &out)
            }
        }
        out.append(UInt8(ascii: "]"))
        out.append(newline)
    }

    /// Reads one line (without its newline).
    static func parse(_ line: ArraySlice<UInt8>) throws -> TransferLine {
        let json: JSON
        do {
            json = try JSON(parsing: line)
        } catch {
            throw TransferFormatError("it is not JSON (\(error))")
        }
        switch json {
        case .array(let values): return .row(try values.map(value))
        case .object(let object):
            if let version = object["hookstream_export"] {
                guard version.numberValue == Double(Self.version) else {
                    throw TransferFormatError("the export's format version is \(version), and this hookstream reads version \(Self.version)")
                }
                guard let names = object["migrations"]?.arrayValue?.compactMap(\.stringValue) else { throw TransferFormatError("the header has no migrations") }
                return .header(migrations: names)
            }
            if let name = object["table"]?.stringValue {
                guard let columns = object["columns"]?.arrayValue?.compactMap(\.stringValue), !columns.isEmpty else {
                    throw TransferFormatError("table \(name) has no columns")
                }
                return .table(name: name, columns: columns)
            }
            if let counts = object["end"]?.objectValue {
                var rows: [String: Int] = [:]
                for (table, count) in counts {
                    guard let n = count.numberValue, let exact = Int(exactly: n) else { throw TransferFormatError("the row count of \(table) is not a number") }
                    rows[table] = exact
                }
                return .end(rows: rows)
            }
            throw TransferFormatError("it is neither a header, a table, a row nor the end")
        default: throw TransferFormatError("it is neither a header, a table, a row nor the end")
        }
    }

    private static func value(_ json: JSON) throws -> SQLValue {
        switch json {
        case .null: return .null
        case .bool(let b): return .integer(b ? 1 : 0)
        case .number(let n):
            if n.rounded() == n, n.magnitude <= Double(exactIntegerLimit) { return .integer(Int64(n)) }
            return .double(n)
        case .string(let s): return .text(s)
        case .object(let object):
            if let text = object["base64"]?.stringValue, let data = Data(base64Encoded: text) { return .blob(data) }
            if let text = object["int"]?.stringValue, let n = Int64(text) { return .integer(n) }
            if let text = object["double"]?.stringValue, let d = Double(text) { return .double(d) }
            throw TransferFormatError("a value is an object that is not bytes or a number")
        case .array: throw TransferFormatError("a value is an array")
        }
    }

    /// Integers up to this magnitude are exact as JSON numbers (a double's 53-bit mantissa).
    private static let exactIntegerLimit: UInt64 = 1 << 53
    private static let newline = UInt8(ascii: "\n")
}

struct TransferFormatError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Reads an export's lines from a file descriptor, a chunk at a time: memory holds one line
/// and one chunk, whatever the file's size.
public final class TransferLineReader: @unchecked Sendable {
    private let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// The number of the line `next()` returned last, from 1.
    private(set) var lineNumber = 0

    /// A line longer than this is not an export's (a row holds one event body, at most a few
    /// megabytes); the limit keeps a file without newlines from filling memory.
    static let maximumLineLength = 512 << 20

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// The next line without its newline; nil at the end of the input. A last line without a
    /// newline is still a line.
    func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                return line
            }
            guard buffer.count - start <= Self.maximumLineLength else {
                throw DatabaseTransferError("line \(lineNumber + 1) is longer than \(Self.maximumLineLength >> 20) MiB; this is not a hookstream export")
            }
            try fill()
        }
    }

    private func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 20
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress! + old, chunk) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                buffer.removeSubrange(old...)
                throw DatabaseTransferError("cannot read the input: errno \(errno)")
            }
            buffer.removeSubrange((old + n)...)
            if n == 0 { atEnd = true }
            return
        }
    }
}

/// Why an export or import stopped; its description is one line for the operator.
public struct DatabaseTransferError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// How many rows an export wrote or an import read, per table, in the order of the file.
public struct DatabaseTransferSummary: Sendable {
    public var tables: [(table: String, rows: Int)]
    public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
}
