import Foundation

/// One lexical token. `position` is the offset just past the token, as the reference reports.
struct Token {
    enum Kind { case name, variable, op, string, number, value, regex, end }
    var kind: Kind
    var text: String
    var number: Double = 0
    var literal: Value? = nil
    var regex: RegexLiteral? = nil
    var position: Int
}

/// A regular expression literal `/pattern/flags`.
struct RegexLiteral: @unchecked Sendable {
    let pattern: String
    let flags: String
    let compiled: NSRegularExpression
}

/// Splits expression text into tokens on demand: whether `/` starts a regex or divides
/// depends on the parser's state, so the parser pulls tokens one at a time.
struct Tokenizer {
    static let operators: [String: Int] = [
        ".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80,
        ";": 80, ":": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 20, "=": 40,
        "<": 40, ">": 40, "^": 40, "**": 60, "..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40,
        "~>": 40, "?:": 40, "??": 40, "and": 30, "or": 25, "in": 40, "&": 50, "!": 0, "~": 0,
    ]
    static let singleCharOperators: Set<Unicode.Scalar> = Set(".[]{}(),@#;:?+-*/%|=<>^&!~".unicodeScalars)
    static let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}"]

    let chars: [Unicode.Scalar]
    var position = 0

    init(_ source: String) { chars = Array(source.unicodeScalars) }

    private func at(_ i: Int) -> Unicode.Scalar? { i < chars.count ? chars[i] : nil }

    private func text(_ from: Int, _ to: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: chars[from..<to])
        return String(s)
    }

    mutating func next(infix: Bool) throws -> Token? {
        while let c = at(position), Self.whitespace.contains(c) { position += 1 }
        guard let c = at(position) else { return nil }
        if c == "/", at(position + 1) == "*" {
            let start = position
            position += 2
            while !(at(position) == "*" && at(position + 1) == "/") {
                position += 1
                if position >= chars.count { throw EvalError("S0106", position: start) }
            }
            position += 2
            return try next(infix: infix)
        }
        if !infix && c == "/" {
            position += 1
            return try scanRegex()
        }
        if let n = at(position + 1) {
            let pair = String(c) + String(n)
            if ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"].contains(pair) {
                position += 2
                return Token(kind: .op, text: pair, position: position)
            }
        }
        if Self.singleCharOperators.contains(c) {
            position += 1
            return Token(kind: .op, text: String(c), position: position)
        }
        if c == "\"" || c == "'" { return try scanString(quote: c) }
        if c.properties.numericType != nil || ("0"..."9").contains(c) {
            if let t = try scanNumber() { return t }
        }
        if c == "`" {
            position += 1
            var end = position
            while end < chars.count && chars[end] != "`" { end += 1 }
            if end >= chars.count {
                position = chars.count
                throw EvalError("S0105", position: position)
            }
            let name = text(position, end)
            position = end + 1
            return Token(kind: .name, text: name, position: position)
        }
        var i = position
        while i < chars.count, !Self.whitespace.contains(chars[i]), !Self.singleCharOperators.contains(chars[i]) { i += 1 }
        if c == "$" {
            let name = text(position + 1, i)
            position = i
            return Token(kind: .variable, text: name, position: position)
        }
        let name = text(position, i)
        position = i
        switch name {
        case "and", "or", "in": return Token(kind: .op, text: name, position: position)
        case "true": return Token(kind: .value, text: name, literal: .bool(true), position: position)
        case "false": return Token(kind: .value, text: name, literal: .bool(false), position: position)
        case "null": return Token(kind: .value, text: name, literal: .null, position: position)
        default:
            if name.isEmpty { return nil }
            return Token(kind: .name, text: name, position: position)
        }
    }

    private mutating func scanString(quote: Unicode.Scalar) throws -> Token {
        position += 1
        var out = String.UnicodeScalarView()
        while position < chars.count {
            let c = chars[position]
            if c == "\\" {
                position += 1
                // A backslash that ends the input is an invalid escape of nothing (S0103 with an
                // empty token, as the reference reports it), not an unterminated string.
                guard let e = at(position) else { throw EvalError("S0103", position: position, token: "") }
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "/": out.append("/")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    let digits = text(position + 1, min(position + 5, chars.count))
                    guard !digits.isEmpty, digits.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else {
                        throw EvalError("S0104", position: position)
                    }
                    // Fewer than four hex digits can only mean the input ends inside the escape:
                    // the reference steps over the four digits it expected and reports the
                    // string unterminated just past them.
                    guard digits.unicodeScalars.count == 4, let code = UInt32(digits, radix: 16) else {
                        throw EvalError("S0101", position: position + 5)
                    }
                    position += 4
                    // A surrogate pair arrives as two escapes; join them into one scalar.
                    if (0xD800...0xDBFF).contains(code), at(position + 1) == "\\", at(position + 2) == "u",
                       position + 6 < chars.count, let low = UInt32(text(position + 3, position + 7), radix: 16),
                       (0xDC00...0xDFFF).contains(low) {
                        position += 6
                        out.append(Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))!)
                    } else if let scalar = Unicode.Scalar(code) {
                        out.append(scalar)
                    } else {
                        out.append("\u{FFFD}")
                    }
                default:
                    throw EvalError("S0103", position: position, token: String(e))
                }
            } else if c == quote {
                position += 1
                let s = String(out)
                return Token(kind: .string, text: s, literal: .string(s), position: position)
            } else {
                out.append(c)
            }
            position += 1
        }
        throw EvalError("S0101", position: position)
    }

    private mutating func scanNumber() throws -> Token? {
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)? ; the sign is always an operator here.
        func isDigit(_ i: Int) -> Bool { if let c = at(i) { return ("0"..."9").contains(c) }; return false }
        var i = position
        guard isDigit(i) else { return nil }
        if chars[i] == "0" { i += 1 } else { while isDigit(i) { i += 1 } }
        if at(i) == ".", isDigit(i + 1) {
            i += 1
            while isDigit(i) { i += 1 }
        }
        if let e = at(i), e == "e" || e == "E" {
            var j = i + 1
            if let s = at(j), s == "+" || s == "-" { j += 1 }
            if isDigit(j) {
                while isDigit(j) { j += 1 }
                i = j
            }
        }
        let lexeme = text(position, i)
        guard let value = Double(lexeme), value.isFinite else {
            throw EvalError("S0102", position: position, token: lexeme)
        }
        position = i
        return Token(kind: .number, text: lexeme, number: value, literal: .number(value), position: position)
    }

    private mutating func scanRegex() throws -> Token {
        let start = position
        var depth = 0
        func isClosingSlash(_ p: Int) -> Bool {
            guard chars[p] == "/", depth == 0 else { return false }
            var backslashes = 0
            while p - backslashes - 1 >= 0, chars[p - backslashes - 1] == "\\" { backslashes += 1 }
            return backslashes % 2 == 0
        }
        while position < chars.count {
            let c = chars[position]
            if isClosingSlash(position) {
                let pattern = text(start, position)
                if pattern.isEmpty { throw EvalError("S0301", position: position) }
                position += 1
                let flagStart = position
                while let f = at(position), f == "i" || f == "m" { position += 1 }
                let flags = text(flagStart, position)
                let compiled = try RegexSupport.compile(pattern, flags: flags, position: start)
                return Token(kind: .regex, text: pattern, regex: RegexLiteral(pattern: pattern, flags: flags, compiled: compiled), position: position)
            }
            let escaped = position > 0 && chars[position - 1] == "\\"
            if (c == "(" || c == "[" || c == "{") && !escaped { depth += 1 }
            if (c == ")" || c == "]" || c == "}") && !escaped { depth -= 1 }
            position += 1
        }
        throw EvalError("S0302", position: position)
    }

    /// The raw text between two offsets (used to read a lambda's type signature).
    func slice(_ from: Int, _ to: Int) -> String { text(from, min(to, chars.count)) }
}
