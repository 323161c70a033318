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
/// Approximated: ICU needs a bounded lookbehind, so inside one `*`, `+` and `{n,}` are capped at
/// `lookbehindRepetitionCap` repetitions — `(?<=a+)b` works, but `(?<=^a+)b` fails after more
/// than 255 a's. Not supported: the `i`, `m`, `s` flags (JSON Schema patterns have none).
struct ECMARegex: Sendable {
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

    /// Whether the pattern matches anywhere in `string`; nil when matching was abandoned.
    ///
    /// ICU backtracks, so a pattern like `^(a+)+$` takes exponential time on some inputs. A
    /// gateway cannot let one user's pattern stall a worker, so matching runs with ICU's
    /// progress reports and stops when they exceed a budget. ICU reports once per start position
    /// it tries and once per slice of backtracking work (every few hundred microseconds), so the
    /// count budget is the subject's length plus a fixed allowance — a scan of any string
    /// completes, runaway backtracking on a short one stops after about a quarter of a second —
    /// and a time budget catches backtracking spread over many start positions.
    func matches(_ string: String) -> Bool? {
        let length = string.utf16.count
        let budget = Self.progressBudget + length
        let clock = ContinuousClock()
        let started = clock.now
        var found = false
        var abandoned = false
        var reports = 0
        compiled.enumerateMatches(in: string, options: [.reportProgress], range: NSRange(location: 0, length: length)) {
            result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
                return
            }
            reports += 1
            if reports > budget || (reports & 255 == 0 && clock.now - started > Self.timeBudget) {
                abandoned = true
                stop.pointee = true
            }
        }
        return abandoned ? nil : found
    }

    /// Progress reports allowed on top of one per character of the subject.
    static let progressBudget = 1000
    /// The longest one match may run; a linear scan of megabytes takes a few dozen milliseconds.
    static let timeBudget = Duration.seconds(1)

    private static let asciiWord = "a-zA-Z0-9_"
    private static let ecmaSpace =
        "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

    /// Repetitions an unbounded quantifier inside a lookbehind is capped at (ICU needs a bound).
    static let lookbehindRepetitionCap = 255

    static func translate(_ pattern: String) throws(RegexSyntaxError) -> String {
        let s = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        // One entry per open group: whether it is (or is inside) a lookbehind.
        var groups: [Bool] = []
        func fail(_ why: String) -> RegexSyntaxError { RegexSyntaxError(message: why) }
        func append(_ scalars: ArraySlice<Unicode.Scalar>) { out.unicodeScalars.append(contentsOf: scalars) }

        while i < s.count {
            let c = s[i]
            if c == "\\" {
                guard i + 1 < s.count else { throw fail("pattern ends with a lone backslash") }
                let (text, length) = try translateEscape(s, at: i + 1, inClass: inClass)
                out += text
                i += 1 + length
                continue
            }
            if inClass {
                switch c {
                case "]": inClass = false; out += "]"
                case "[": out += "\\["  // ICU would open a nested set
                case "&": out += "\\&"  // ICU reads "&&" as intersection
                case ":": out += "\\:"  // ICU reads "[:alpha:]" as a POSIX class
                default: out.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            let inLookbehind = groups.last ?? false
            switch c {
            case "[":
                if s[(i + 1)...].starts(with: ["]"]) {
                    out += "(?!)"  // `[]` matches nothing
                    i += 2
                    continue
                }
                if s[(i + 1)...].starts(with: ["^", "]"]) {
                    out += "(?s:.)"  // `[^]` matches anything
                    i += 3
                    continue
                }
                inClass = true
                out += "["
                if s[(i + 1)...].starts(with: ["^"]) {
                    out += "^"
                    i += 1
                }
            case ".": out += "[^\\n\\r\\x{2028}\\x{2029}]"
            case "$": out += "(?!(?s:.))"
            case "*" where inLookbehind: out += "{0,\(lookbehindRepetitionCap)}"
            case "+" where inLookbehind: out += "{1,\(lookbehindRepetitionCap)}"
            case "{":
                guard let (length, lower, upper) = quantifier(s, at: i) else {
                    out += "\\{"
                    break
                }
                if inLookbehind, upper == nil {
                    out += "{\(lower),\(max(lower, lookbehindRepetitionCap))}"
                } else {
                    append(s[i..<(i + length)])
                }
                i += length
                continue
            case "}": out += "\\}"
            case "]": out += "\\]"
            case "(":
                var lookbehind = inLookbehind
                if s[(i + 1)...].starts(with: ["?"]) {
                    let rest = s[(i + 2)...]
                    if rest.starts(with: ["<", "="]) || rest.starts(with: ["<", "!"]) {
                        lookbehind = true
                    } else if !(rest.starts(with: [":"]) || rest.starts(with: ["="]) || rest.starts(with: ["!"])
                        || (rest.starts(with: ["<"]) && rest.dropFirst().first.map { $0.properties.isAlphabetic } == true))
                    {
                        throw fail("unsupported group syntax '(?\(rest.first.map { String($0) } ?? "")'")
                    }
                }
                groups.append(lookbehind)
                out += "("
            case ")":
                guard !groups.isEmpty else { throw fail("unbalanced parenthesis") }
                groups.removeLast()
                out += ")"
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        if inClass { throw fail("unterminated character class") }
        return out
    }

    /// A `{n}`, `{n,}` or `{n,m}` quantifier at `start`: its length and bounds; nil for a
    /// literal brace.
    private static func quantifier(_ s: [Unicode.Scalar], at start: Int) -> (Int, Int, Int?)? {
        func digits(from index: Int) -> (Int, Int)? {
            var j = index
            var value = 0
            while j < s.count, s[j].isASCII, ("0"..."9").contains(s[j]) {
                value = min(value * 10 + Int(s[j].value - 48), 1_000_000)
                j += 1
            }
            return j > index ? (value, j) : nil
        }
        guard let (lower, afterLower) = digits(from: start + 1), afterLower < s.count else { return nil }
        if s[afterLower] == "}" { return (afterLower - start + 1, lower, lower) }
        guard s[afterLower] == "," else { return nil }
        if let (upper, afterUpper) = digits(from: afterLower + 1) {
            guard afterUpper < s.count, s[afterUpper] == "}" else { return nil }
            return (afterUpper - start + 1, lower, upper)
        }
        guard afterLower + 1 < s.count, s[afterLower + 1] == "}" else { return nil }
        return (afterLower - start + 2, lower, nil)
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
