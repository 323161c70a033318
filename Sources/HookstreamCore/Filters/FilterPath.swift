/// A parsed filter rule `field`: which part of the received request a rule looks at.
///
/// Accepted syntax (paths are case-sensitive except header names):
/// - `payload`, `body` — the whole event body; `payload.a.b`, `body.a.b` — a member inside it.
///   The two prefixes are synonyms (the API reference says `payload.`, the CLI says `body.`).
///   Array elements are addressed either as a dotted segment (`payload.items.0.sku`) or with
///   brackets (`payload.items[0].sku`, `payload[1]`). A dotted all-digit segment means an index
///   when it meets an array and a member name when it meets an object; a bracket index only ever
///   addresses an array.
/// - `headers.<name>` — a request header, name compared case-insensitively.
/// - `query.<name>` — a query-string parameter, name compared case-sensitively.
/// - `method`, `content_type`, `source_ip` — the request line and connection facts.
///
/// Any other root (a bare `type`, `data.id`, `Payload.x`) is rejected rather than silently
/// never matching, so a typo surfaces as a 400 when the connection is saved.
public enum FilterPath: Hashable, Sendable {
    /// A location in the event body; an empty component list is the body itself.
    case body([Component])
    /// A request header, by lower-cased name.
    case header(String)
    /// A query parameter, by exact name.
    case query(String)
    case method
    case contentType
    case sourceIP

    /// One step into a JSON document.
    public enum Component: Hashable, Sendable {
        /// A dotted segment: member name on objects, index on arrays when all digits.
        case key(String)
        /// A bracketed `[n]`: array index only.
        case index(Int)
    }

    /// Parses `field` or explains what is wrong with it.
    ///
    /// - Throws: ``FilterRuleError/Reason/invalidPath(_:_:)`` with a human reason.
    public init(parsing field: String) throws(FilterRuleError.Reason) {
        func invalid(_ reason: String) -> FilterRuleError.Reason { .invalidPath(field, reason) }

        if field.isEmpty { throw .emptyField }
        switch field {
        case "method": self = .method; return
        case "content_type": self = .contentType; return
        case "source_ip": self = .sourceIP; return
        case "payload", "body": self = .body([]); return
        default: break
        }
        if let name = field.dropPrefix("headers.") {
            guard !name.isEmpty else { throw invalid("a header name is required after \"headers.\"") }
            guard name.allSatisfy(\.isHTTPTokenCharacter) else {
                throw invalid("\"\(name)\" is not a valid HTTP header name")
            }
            self = .header(name.lowercased())
            return
        }
        if let name = field.dropPrefix("query.") {
            guard !name.isEmpty else { throw invalid("a parameter name is required after \"query.\"") }
            self = .query(String(name))
            return
        }
        for root in ["payload", "body"] {
            guard let rest = field.dropPrefix(root), let first = rest.first, first == "." || first == "[" else {
                continue
            }
            self = .body(try Self.parseBodyComponents(rest, field: field))
            return
        }
        throw invalid(
            "a field must start with \"payload.\", \"body.\", \"headers.\" or \"query.\", "
                + "or be \"method\", \"content_type\" or \"source_ip\""
        )
    }

    /// Parses what follows the `payload`/`body` root: a sequence of `.name` and `[digits]`.
    private static func parseBodyComponents(
        _ text: Substring, field: String
    ) throws(FilterRuleError.Reason) -> [Component] {
        var components: [Component] = []
        var rest = text
        while let first = rest.first {
            rest = rest.dropFirst()
            if first == "." {
                let segment = rest.prefix { $0 != "." && $0 != "[" && $0 != "]" }
                guard !segment.isEmpty else {
                    throw .invalidPath(field, "empty segment (two dots in a row, or a trailing dot)")
                }
                components.append(.key(String(segment)))
                rest = rest.dropFirst(segment.count)
            } else if first == "[" {
                let digits = rest.prefix { $0 != "]" }
                guard digits.count < rest.count else { throw .invalidPath(field, "unclosed \"[\"") }
                guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), digits.count <= 9, let index = Int(digits)
                else {
                    throw .invalidPath(field, "\"[\(digits)]\" is not an array index (expected [0], [1], …)")
                }
                components.append(.index(index))
                rest = rest.dropFirst(digits.count + 1)
            } else {
                throw .invalidPath(field, "unexpected \"\(first)\"; separate segments with \".\"")
            }
        }
        return components
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}

extension Character {
    /// RFC 9110 `tchar`, the characters a header field name is made of.
    fileprivate var isHTTPTokenCharacter: Bool {
        guard isASCII, let scalar = unicodeScalars.first else { return false }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
        }
    }

    var isASCIIDigit: Bool { isASCII && isNumber }
}
