import Foundation
import NIOCore
import PostgresNIO

/// PostgreSQL's spelling of the dialect fragments, its record search, and how PostgresNIO
/// reports the failures the store classifies.
struct PostgresDialect: SQLDialect {
    func greatest(_ a: String, _ b: String) -> String { "GREATEST(\(a), \(b))" }

    var caseInsensitiveLike: String { "ILIKE" }

    /// `escape` turns bytes that are not UTF-8 into `\ooo` instead of failing the query.
    func text(ofBlob column: String) -> String { "encode(\(column), 'escape')" }

    var skippingLockedRows: String { " FOR UPDATE SKIP LOCKED" }

    var lockingRows: String { " FOR UPDATE" }

    var reusesCompiledStatements: Bool { false }

    func recordMatch(_ search: String) -> (condition: String, argument: String)? {
        PostgresRecordSearch.query(search).map { (PostgresRecordSearch.condition, $0) }
    }

    static func failure(_ error: any Error) -> SQLFailure? {
        guard let error = error as? PostgresStatementError else { return nil }
        switch error.sqlState {
        case "23505": return .uniqueViolation
        case "53100": return .storageFull  // disk_full
        default: return nil
        }
    }
}

/// Record search on PostgreSQL: an expression GIN index over the record's JSON text cut into
/// words at every character that is not a letter or digit, the way SQLite's `unicode61`
/// tokenizer cuts it, so `jane@example.com` is the words `jane`, `example`, `com` on both
/// backends and a search means the same. (No accent folding here: that needs the `unaccent`
/// extension, which a managed database may not offer.)
enum PostgresRecordSearch {
    /// The words of `column`; the index and the condition must spell it alike for the planner
    /// to use the index.
    static func words(_ column: String) -> String { "to_tsvector('simple', regexp_replace(\(column), '[^[:alnum:]]+', ' ', 'g'))" }

    /// Migration `009` on PostgreSQL.
    static let migration = "CREATE INDEX collection_records_search ON collection_records USING GIN (\(words("data")))"

    static let condition = "\(words("r.data")) @@ to_tsquery('simple', ?)"

    /// The `tsquery` for what a user typed: each whitespace-separated term must occur, as a
    /// phrase of its words (`foo-bar` → `foo <-> bar`). Only letters and digits reach the
    /// query, so nothing a user types is tsquery syntax. `nil` when there is no word at all.
    static func query(_ search: String) -> String? {
        let terms = search.split(whereSeparator: \.isWhitespace).compactMap { term -> String? in
            let words = term.split { !($0.isLetter || $0.isNumber) }
            return words.isEmpty ? nil : words.joined(separator: " <-> ")
        }
        return terms.isEmpty ? nil : terms.map { "(\($0))" }.joined(separator: " & ")
    }
}

extension SQLValue {
    /// A column value as the SQL layer's five kinds (see `SQLValue`).
    init(_ cell: PostgresCell) {
        guard var bytes = cell.bytes else {
            self = .null
            return
        }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8: self = .integer(try cell.decode(Int64.self))
            case .bool: self = .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .float4, .float8: self = .double(try cell.decode(Double.self))
            case .numeric:
                let number = NSDecimalNumber(decimal: try cell.decode(Decimal.self))
                let integer = number.int64Value
                self = NSDecimalNumber(value: integer) == number ? .integer(integer) : .double(number.doubleValue)
            case .bytea: self = .blob(Data(bytes.readBytes(length: bytes.readableBytes) ?? []))
            default: self = .text(try cell.decode(String.self))
            }
        } catch {
            self = .blob(Data(bytes.readBytes(length: bytes.readableBytes) ?? []))
        }
    }
}
