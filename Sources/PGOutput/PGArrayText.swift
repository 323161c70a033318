import JSONValue

/// An array in PostgreSQL's text output (`{1,2,NULL}`, `{{"a b",c},{d,e}}`,
/// `[0:1]={x,y}`), parsed into nested lists of element texts. Elements keep their text so
/// they map to JSON as the element type does.
enum PGArrayText: Equatable {
    /// An element's text, or `nil` for NULL.
    case element([UInt8]?)
    case array([PGArrayText])

    /// `nil` when the text is not an array literal.
    static func parse(_ text: [UInt8], delimiter: UInt8) -> PGArrayText? {
        var parser = Parser(bytes: text, delimiter: delimiter)
        // Explicit bounds (`[2:3]=`) are written only for arrays not starting at 1; JSON arrays
        // have no such notion, so they are dropped.
        if parser.peek == UInt8(ascii: "[") {
            guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            parser.offset = equals + 1
        }
        guard let parsed = parser.list() else { return nil }
        parser.skipSpace()
        return parser.offset == text.count ? parsed : nil
    }

    func json(_ element: ([UInt8]) -> JSON) -> JSON {
        switch self {
        case .element(let text?): element(text)
        case .element(nil): .null
        case .array(let items): .array(items.map { $0.json(element) })
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        let delimiter: UInt8
        var offset = 0

        var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipSpace() {
            while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                offset += 1
            }
        }

        /// `{item, item, …}` with the cursor on `{`.
        mutating func list() -> PGArrayText? {
            guard peek == UInt8(ascii: "{") else { return nil }
            offset += 1
            var items: [PGArrayText] = []
            skipSpace()
            if peek == UInt8(ascii: "}") {
                offset += 1
                return .array(items)
            }
            while true {
                skipSpace()
                guard let item = peek == UInt8(ascii: "{") ? list() : element() else { return nil }
                items.append(item)
                skipSpace()
                guard let next = peek else { return nil }
                offset += 1
                if next == UInt8(ascii: "}") { return .array(items) }
                guard next == delimiter else { return nil }
            }
        }

        /// A quoted or bare element; a bare `NULL` (any case) is SQL NULL, a quoted one is text.
        mutating func element() -> PGArrayText? {
            var out: [UInt8] = []
            if peek == UInt8(ascii: "\"") {
                offset += 1
                while let c = peek {
                    offset += 1
                    if c == UInt8(ascii: "\"") { return .element(out) }
                    if c == UInt8(ascii: "\\") {
                        guard let escaped = peek else { return nil }
                        offset += 1
                        out.append(escaped)
                    } else {
                        out.append(c)
                    }
                }
                return nil
            }
            while let c = peek, c != delimiter, c != UInt8(ascii: "}") {
                offset += 1
                if c == UInt8(ascii: "\\") {
                    guard let escaped = peek else { return nil }
                    offset += 1
                    out.append(escaped)
                } else {
                    out.append(c)
                }
            }
            while let last = out.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { out.removeLast() }
            guard !out.isEmpty else { return nil }
            if out.count == 4, String(decoding: out, as: UTF8.self).uppercased() == "NULL" { return .element(nil) }
            return .element(out)
        }
    }
}
