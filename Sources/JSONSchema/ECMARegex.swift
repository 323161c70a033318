import Foundation

/// A `pattern` compiled once: ECMA-262 syntax (as JSON Schema requires) translated to the ICU
/// dialect NSRegularExpression implements, then matched unanchored.
///
/// What the translation makes ECMA-exact: `\d` `\w` `\b` are ASCII-only; `\s` is ECMA's
/// whitespace set (which includes U+FEFF and `\v`); `.` excludes only the four ECMA line
/// terminators; `$` matches only at the very end; `[^]` and `[]`; `\0`; `\u{…}` and surrogate
/// pairs written as two `\uXXXX` escapes; a literal `[` inside a class (which ICU would read as a
/// nested set) and braces that are not quantifiers. Matching is by code point, as with the `u`
/// flag, and escapes follow the `u` flag's rules: an escaped letter that ECMA does not define
/// (`\a`, `\z`, `\Q`, …) is an error, as are ICU-only groups such as `(?>…)`, `(?i)` or `(?#…)`.
/// Not supported: lookbehind of unbounded length (ICU needs a bounded one; such patterns are
/// rejected at compile time).
struct ECMARegex: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as safe to use from
    // several threads at once; the unchecked conformance only states that.
    let source: String
    private let compiled: NSRegularExpression

    init(_ source: String) throws(RegexSyntaxError) {
        self.source = source
        let translated = try Self.translate(source)
        do {
            compiled = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw RegexSyntaxError(message: "not a valid regular expression")
        }
    }

    /// Whether the pattern matches anywhere in `string`.
    func matches(_ string: String) -> Bool {
        let range = NSRange(location: 0, length: string.utf16.count)
        return compiled.firstMatch(in: string, options: [], range: range) != nil
    }

    private static let asciiWord = "a-zA-Z0-9_"
    private static let ecmaSpace =
        "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

    static func translate(_ pattern: String) throws(RegexSyntaxError) -> String {
        let s = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        var classStart = false
        func fail(_ why: String) -> RegexSyntaxError { RegexSyntaxError(message: why) }

        while i < s.count {
            let c = s[i]
            let atClassStart = classStart
            classStart = false
            if c == "\\" {
                guard i + 1 < s.count else { throw fail("pattern ends with a lone backslash") }
                let (text, length) = try translateEscape(s, at: i + 1, inClass: inClass)
                out += text
                i += 1 + length
                continue
            }
            if inClass {
                switch c {
                case "]":
                    inClass = false
                    out += "]"
                case "[": out += "\\["
                case "&": out += "\\&"
                case "^" where atClassStart: out += "^"; classStart = false
                default: out.unicodeScalars.append(c)
                }
                if c == "^" && atClassStart {
                    // `[^]` (any character) must be caught after the caret too.
                    if i + 1 < s.count && s[i + 1] == "]" {
                        out.removeLast(2)
                        out += "(?s:.)"
                        i += 2
                        inClass = false
                        continue
                    }
                }
                i += 1
                continue
            }
            switch c {
            case "[":
                if i + 1 < s.count && s[i + 1] == "]" {
                    out += "(?!)"
                    i += 2
                    continue
                }
                inClass = true
                classStart = true
                out += "["
            case ".": out += "[^\\n\\r\\x{2028}\\x{2029}]"
            case "$": out += "(?!(?s:.))"
            case "{":
                if let length = quantifierLength(s, at: i) {
                    out += String(String.UnicodeScalarView(s[i..<(i + length)]))
                    i += length
                    continue
                }
                out += "\\{"
            case "}": out += "\\}"
            case "]": out += "\\]"
            case "(":
                if i + 1 < s.count && s[i + 1] == "?" {
                    let rest = String(String.UnicodeScalarView(s[(i + 2)...].prefix(3)))
                    let allowed = rest.hasPrefix(":") || rest.hasPrefix("=") || rest.hasPrefix("!")
                        || rest.hasPrefix("<=") || rest.hasPrefix("<!")
                        || (rest.hasPrefix("<") && rest.count > 1)
                    guard allowed else { throw fail("unsupported group syntax '(?\(rest.prefix(1))'") }
                }
                out += "("
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        if inClass { throw fail("unterminated character class") }
        return out
    }

    /// The length of a `{n}`, `{n,}` or `{n,m}` quantifier at `start`, or nil for a literal brace.
    private static func quantifierLength(_ s: [Unicode.Scalar], at start: Int) -> Int? {
        var i = start + 1
        var digits = 0
        while i < s.count, s[i].properties.numericType != nil, s[i].isASCII { i += 1; digits += 1 }
        guard digits > 0, i < s.count else { return nil }
        if s[i] == "," {
            i += 1
            while i < s.count, s[i].isASCII, ("0"..."9").contains(s[i]) { i += 1 }
        }
        guard i < s.count, s[i] == "}" else { return nil }
        return i - start + 1
    }

    /// Translates the escape whose letter is at `at` (just after the backslash); returns the ICU
    /// text and how many scalars of the pattern it consumed after the backslash.
    private static func translateEscape(
        _ s: [Unicode.Scalar], at i: Int, inClass: Bool
    ) throws(RegexSyntaxError) -> (String, Int) {
        let c = s[i]
        func set(_ body: String, negated: Bool) -> String {
            if inClass { return negated ? "[^\(body)]" : body }
            return negated ? "[^\(body)]" : "[\(body)]"
        }
        switch c {
        case "d": return (set("0-9", negated: false), 1)
        case "D": return (set("0-9", negated: true), 1)
        case "w": return (set(asciiWord, negated: false), 1)
        case "W": return (set(asciiWord, negated: true), 1)
        case "s": return (set(ecmaSpace, negated: false), 1)
        case "S": return (set(ecmaSpace, negated: true), 1)
        case "b":
            if inClass { return ("\\x{08}", 1) }
            return ("(?:(?<=[\(asciiWord)])(?![\(asciiWord)])|(?<![\(asciiWord)])(?=[\(asciiWord)]))", 1)
        case "B":
            if inClass { throw RegexSyntaxError(message: "\\B is not allowed in a character class") }
            return ("(?:(?<=[\(asciiWord)])(?=[\(asciiWord)])|(?<![\(asciiWord)])(?![\(asciiWord)]))", 1)
        case "v": return ("\\x{0B}", 1)
        case "f", "n", "r", "t": return ("\\" + String(c), 1)
        case "0":
            if i + 1 < s.count, s[i + 1].isASCII, ("0"..."9").contains(s[i + 1]) {
                throw RegexSyntaxError(message: "octal escapes are not allowed")
            }
            return ("\\x{00}", 1)
        case "1"..."9":
            var j = i
            while j < s.count, s[j].isASCII, ("0"..."9").contains(s[j]) { j += 1 }
            return ("\\" + String(String.UnicodeScalarView(s[i..<j])), j - i)
        case "c":
            guard i + 1 < s.count, s[i + 1].isASCII, s[i + 1].properties.isAlphabetic else {
                throw RegexSyntaxError(message: "\\c must be followed by a letter")
            }
            return ("\\x{\(String(s[i + 1].value % 32, radix: 16))}", 2)
        case "x":
            guard i + 2 < s.count, let h = hex(s[i + 1]), let l = hex(s[i + 2]) else {
                throw RegexSyntaxError(message: "\\x must be followed by two hex digits")
            }
            return ("\\x{\(String(h * 16 + l, radix: 16))}", 3)
        case "u":
            if i + 1 < s.count, s[i + 1] == "{" {
                var j = i + 2
                var value: UInt32 = 0
                while j < s.count, let d = hex(s[j]) {
                    value = value &* 16 &+ d
                    j += 1
                }
                guard j > i + 2, j < s.count, s[j] == "}", value <= 0x10FFFF else {
                    throw RegexSyntaxError(message: "invalid \\u{…} escape")
                }
                return ("\\x{\(String(value, radix: 16))}", j - i + 1)
            }
            guard let unit = hex4(s, at: i + 1) else {
                throw RegexSyntaxError(message: "\\u must be followed by four hex digits")
            }
            // A surrogate pair spelled as two escapes is one code point under the `u` flag.
            if (0xD800...0xDBFF).contains(unit), i + 6 < s.count, s[i + 5] == "\\", s[i + 6] == "u",
                let low = hex4(s, at: i + 7), (0xDC00...0xDFFF).contains(low)
            {
                let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                return ("\\x{\(String(scalar, radix: 16))}", 11)
            }
            return ("\\x{\(String(unit, radix: 16))}", 5)
        case "p", "P":
            guard i + 1 < s.count, s[i + 1] == "{", let close = s[i...].firstIndex(of: "}") else {
                throw RegexSyntaxError(message: "\\\(c) must be followed by {property}")
            }
            return ("\\" + String(String.UnicodeScalarView(s[i...close])), close - i + 1)
        case "k":
            guard i + 1 < s.count, s[i + 1] == "<", let close = s[i...].firstIndex(of: ">") else {
                throw RegexSyntaxError(message: "\\k must be followed by <name>")
            }
            return ("\\" + String(String.UnicodeScalarView(s[i...close])), close - i + 1)
        default:
            if c.properties.isAlphabetic || (c.isASCII && c.properties.numericType != nil) {
                throw RegexSyntaxError(message: "unknown escape '\\\(c)'")
            }
            return ("\\x{\(String(c.value, radix: 16))}", 1)
        }
    }

    private static func hex(_ c: Unicode.Scalar) -> UInt32? {
        guard c.isASCII, let v = hexValue(UInt8(c.value)) else { return nil }
        return UInt32(v)
    }

    private static func hex4(_ s: [Unicode.Scalar], at i: Int) -> UInt32? {
        guard i + 3 < s.count else { return nil }
        var value: UInt32 = 0
        for k in i..<(i + 4) {
            guard let d = hex(s[k]) else { return nil }
            value = value * 16 + d
        }
        return value
    }
}

struct RegexSyntaxError: Error {
    var message: String
}
