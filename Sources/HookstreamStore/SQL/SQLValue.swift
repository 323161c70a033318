import Foundation

/// One value crossing the SQL layer, in either direction: a bound argument or a column read.
///
/// The five cases are SQLite's storage classes, which is also what the store asks of
/// PostgreSQL: integers of any width (and booleans) are `integer`, `numeric` sums are read as
/// `integer`, `bytea` is `blob`. Keeping the set this small is what lets one row accessor and
/// one argument list serve both backends.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
}

/// A Swift type the store binds to a `?` placeholder and reads back from a column.
///
/// `init(sqlValue:)` answers nil for NULL and for a value of another kind; `SQLRow`'s
/// subscripts turn that into nil or a trap, as GRDB did.
protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
    init?(sqlValue: SQLValue)
}

extension String: SQLValueConvertible {
    var sqlValue: SQLValue { .text(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .text(let text): self = text
        case .blob(let data): self = String(decoding: data, as: UTF8.self)
        default: return nil
        }
    }
}

extension Int64: SQLValueConvertible {
    var sqlValue: SQLValue { .integer(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let n): self = n
        case .double(let d): self.init(exactly: d)
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    var sqlValue: SQLValue { .integer(Int64(self)) }
    init?(sqlValue: SQLValue) {
        guard let n = Int64(sqlValue: sqlValue) else { return nil }
        self.init(exactly: n)
    }
}

extension Double: SQLValueConvertible {
    var sqlValue: SQLValue { .double(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .double(let d): self = d
        case .integer(let n): self = Double(n)
        default: return nil
        }
    }
}

/// Booleans live in INTEGER 0/1 columns on both backends (PostgreSQL refuses a `bool`
/// argument for a `bigint` column), and `SELECT 1 …` reads as true.
extension Bool: SQLValueConvertible {
    var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let n): self = n != 0
        case .double(let d): self = d != 0
        default: return nil
        }
    }
}

extension Data: SQLValueConvertible {
    var sqlValue: SQLValue { .blob(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .blob(let data): self = data
        case .text(let text): self = Data(text.utf8)
        default: return nil
        }
    }
}

/// A value already in the SQL layer's terms binds as itself (rows rebuilt column by column,
/// as a restored archive's are).
extension SQLValue: SQLValueConvertible {
    var sqlValue: SQLValue { self }
    init?(sqlValue: SQLValue) { self = sqlValue }
}
