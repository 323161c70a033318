public import JSONValue

/// The CSV form of collection records (the export's `format=csv`): nested JSON flattened to
/// dot-notation columns, quoted as RFC 4180 says, so a spreadsheet or Python's `csv` module
/// reads back exactly the values the records hold.
///
/// Column names are the field names of ``RecordSchema``: `data.object.email`; an array is one
/// column holding its JSON text (`["a","b"]`), an object with no members the text `{}`.
public enum RecordCSV {
    /// The first column: the record's key.
    public static let keyColumn = "primary_key"

    /// A record's cells by column, in the order of its members. A record whose data is not an
    /// object (an array at the root) is one column, `body`.
    public static func cells(of data: JSON) -> [(column: String, cell: String)] {
        var out: [(column: String, cell: String)] = []
        flatten(data, path: "", into: &out)
        return out
    }

    private static func flatten(_ value: JSON, path: String, into out: inout [(column: String, cell: String)]) {
        switch value {
        case .object(let members) where !members.isEmpty:
            for (key, member) in members {
                flatten(member, path: path.isEmpty ? key : path + "." + key, into: &out)
            }
        default:
            out.append((column(path), cell(value)))
        }
    }

    /// A data path as a column name; one that would take the key column's name is written as
    /// the body path it is (`body.primary_key`), as filters and key paths write it.
    private static func column(_ path: String) -> String {
        if path.isEmpty { return "body" }
        return path == keyColumn ? "body." + path : path
    }

    /// A value as the text of one cell: strings as they are, `null` empty, everything else
    /// (numbers, booleans, arrays, `{}`) as its JSON text.
    static func cell(_ value: JSON) -> String {
        switch value {
        case .null: ""
        case .string(let s): s
        default: value.serialized()
        }
    }

    /// One CSV line ending in CRLF, each field quoted when RFC 4180 requires it (a comma, a
    /// quote, CR or LF in it), quotes doubled.
    public static func line(_ fields: some Sequence<String>) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += quoted(field)
        }
        return line + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The header of a CSV export: the union of the columns of every record, in the order first
/// met, collected in a first pass so the rows can follow in a second (both reading pages, never
/// the whole collection).
public struct RecordCSVColumns: Sendable {
    /// Past this a spreadsheet cannot open the file (Excel stops at 16 384) and the header
    /// alone would be unbounded; the export refuses rather than writing a partial table.
    public static let maximum = 10_000

    public private(set) var columns: OrderedSet<String> = [RecordCSV.keyColumn]

    public init() {}

    /// Adds the record's columns; `false` once there are more than ``maximum``.
    public mutating func add(_ data: JSON) -> Bool {
        for (column, _) in RecordCSV.cells(of: data) {
            columns.append(column)
            if columns.count > Self.maximum { return false }
        }
        return true
    }

    /// The line of one record, its cells under this header (empty where it has no value).
    public func line(key: String, data: JSON) -> String {
        var byColumn: [String: String] = [RecordCSV.keyColumn: key]
        for (column, cell) in RecordCSV.cells(of: data) { byColumn[column] = cell }
        return RecordCSV.line(columns.lazy.map { byColumn[$0] ?? "" })
    }

    public var header: String { RecordCSV.line(columns) }
}
