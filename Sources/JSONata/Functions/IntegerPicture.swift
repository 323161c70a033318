import Foundation

/// XPath `format-integer` pictures, as `$formatInteger`, `$parseInteger` and the date/time
/// pictures use them: decimal digit patterns with grouping, `a`/`A` letters, `i`/`I` roman
/// numerals, `w`/`W`/`Ww` words, and the `;o` ordinal modifier.
struct IntegerPicture {
    enum Primary { case decimal, letters, roman, words, sequence }
    enum Case { case lower, upper, title }

    var primary: Primary = .decimal
    var letterCase: Case = .lower
    var ordinal = false
    var zeroCode: UInt32 = 0x30
    var mandatoryDigits = 0
    var optionalDigits = 0
    var regular = false
    var separators: [(position: Int, character: String)] = []
    var token = ""

    static let decimalGroups: [UInt32] = [
        0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
        0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    ]

    init(_ picture: String) throws {
        var primaryFormat = picture
        if let semicolon = picture.lastIndex(of: ";") {
            primaryFormat = String(picture[..<semicolon])
            if picture[picture.index(after: semicolon)...].first == "o" { ordinal = true }
        }
        switch primaryFormat {
        case "A": letterCase = .upper; primary = .letters
        case "a": primary = .letters
        case "I": letterCase = .upper; primary = .roman
        case "i": primary = .roman
        case "W": letterCase = .upper; primary = .words
        case "Ww": letterCase = .title; primary = .words
        case "w": primary = .words
        default:
            var zero: UInt32? = nil
            var position = 0
            var found: [(Int, String)] = []
            for scalar in primaryFormat.unicodeScalars.reversed() {
                let code = scalar.value
                if let group = Self.decimalGroups.first(where: { code >= $0 && code <= $0 + 9 }) {
                    mandatoryDigits += 1
                    position += 1
                    if zero == nil { zero = group } else if zero != group { throw EvalError("D3131") }
                } else if scalar == "#" {
                    position += 1
                    optionalDigits += 1
                } else {
                    found.append((position, String(scalar)))
                }
            }
            if mandatoryDigits > 0 {
                primary = .decimal
                zeroCode = zero!
                let factor = Self.regularGrouping(found)
                if factor > 0 {
                    regular = true
                    separators = [(factor, found[0].1)]
                } else {
                    separators = found.map { (position: $0.0, character: $0.1) }
                }
            } else {
                primary = .sequence
                token = primaryFormat
            }
        }
    }

    private static func regularGrouping(_ separators: [(Int, String)]) -> Int {
        guard let first = separators.first else { return 0 }
        if separators.contains(where: { $0.1 != first.1 }) { return 0 }
        let positions = separators.map(\.0)
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let factor = positions.dropFirst().reduce(positions[0], gcd)
        guard factor > 0 else { return 0 }
        for i in 1...positions.count where !positions.contains(i * factor) { return 0 }
        return factor
    }

    static func format(_ value: Double, picture: String) throws -> String {
        let spec = try IntegerPicture(picture)
        let whole = value.rounded(.down)
        if spec.primary == .words, abs(whole) >= 1e15 {
            var text = NumberWords.words(abs(whole), ordinal: spec.ordinal)
            if spec.letterCase == .upper { text = text.uppercased() } else if spec.letterCase == .lower { text = text.lowercased() }
            return whole < 0 ? "-" + text : text
        }
        return try spec.format(clampInt(whole))
    }

    func format(_ input: Int) throws -> String {
        let negative = input < 0
        let value = abs(input)
        var text: String
        switch primary {
        case .letters:
            text = Self.letters(value, upper: letterCase == .upper)
        case .roman:
            text = Self.roman(value)
            if letterCase == .upper { text = text.uppercased() }
        case .words:
            text = NumberWords.words(Double(value), ordinal: ordinal)
            if letterCase == .upper { text = text.uppercased() } else if letterCase == .lower { text = text.lowercased() }
        case .sequence:
            throw EvalError("D3130", value: .string(token))
        case .decimal:
            text = String(value)
            if mandatoryDigits > text.count { text = String(repeating: "0", count: mandatoryDigits - text.count) + text }
            if zeroCode != 0x30 {
                var view = String.UnicodeScalarView()
                for s in text.unicodeScalars { view.append(Unicode.Scalar(s.value - 0x30 + zeroCode)!) }
                text = String(view)
            }
            var chars = Array(text.unicodeScalars).map { String($0) }
            if regular, let sep = separators.first {
                let n = (chars.count - 1) / sep.position
                if n > 0 {
                    for i in stride(from: n, through: 1, by: -1) {
                        chars.insert(sep.character, at: chars.count - i * sep.position)
                    }
                }
            } else {
                for sep in separators.reversed() {
                    let at = chars.count - sep.position
                    if at >= 0 { chars.insert(sep.character, at: at) }
                }
            }
            text = chars.joined()
            if ordinal {
                let digits = String(value)
                let last = digits.last!
                let tens = digits.count > 1 ? digits[digits.index(digits.endIndex, offsetBy: -2)] : "0"
                var suffix = ["1": "st", "2": "nd", "3": "rd"][String(last)] ?? "th"
                if tens == "1" { suffix = "th" }
                text += suffix
            }
        }
        return negative ? "-" + text : text
    }

    static func letters(_ input: Int, upper: Bool) -> String {
        var value = input
        var out: [Character] = []
        let base = upper ? 65 : 97
        while value > 0 {
            out.insert(Character(Unicode.Scalar(UInt8((value - 1) % 26 + base))), at: 0)
            value = (value - 1) / 26
        }
        return String(out)
    }

    static let romanNumerals: [(Int, String)] = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
        (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]

    static func roman(_ input: Int) -> String {
        var value = input
        var out = ""
        for (n, s) in romanNumerals {
            while value >= n {
                out += s
                value -= n
            }
        }
        return out
    }

    static func parse(_ text: String, picture: String) throws -> Double? {
        let spec = try IntegerPicture(picture)
        if spec.primary == .sequence { throw EvalError("D3130", value: .string(spec.token)) }
        return spec.parse(text)
    }

    func parse(_ text: String) -> Double? {
        switch primary {
        case .letters:
            var total = 0.0
            let base = letterCase == .upper ? 65 : 97
            for (i, s) in text.unicodeScalars.reversed().enumerated() {
                total += Double(Int(s.value) - base + 1) * pow(26, Double(i))
            }
            return total
        case .roman:
            let values: [Character: Int] = ["M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1]
            var total = 0
            var maximum = 1
            for c in text.uppercased().reversed() {
                let v = values[c] ?? 0
                if v < maximum { total -= v } else {
                    maximum = v
                    total += v
                }
            }
            return Double(total)
        case .words:
            return NumberWords.value(of: text.lowercased())
        case .sequence:
            return nil
        case .decimal:
            var digits = text
            if ordinal { digits = String(digits.dropLast(2)) }
            for sep in separators { digits = digits.replacingAll(sep.character, with: "") }
            if zeroCode != 0x30 {
                var view = String.UnicodeScalarView()
                for s in digits.unicodeScalars { view.append(Unicode.Scalar(s.value - zeroCode + 0x30)!) }
                digits = String(view)
            }
            return Double(digits).map { $0.rounded(.towardZero) }
        }
    }
}

/// English number words as the reference spells them ("One Hundred and Twenty-Three").
enum NumberWords {
    static let few = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven",
                      "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
    static let ordinals = ["Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
                           "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",
                           "Seventeenth", "Eighteenth", "Nineteenth"]
    static let decades = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"]
    static let magnitudes = ["Thousand", "Million", "Billion", "Trillion"]

    static func words(_ value: Double, ordinal: Bool) -> String { lookup(value, prev: false, ord: ordinal) }

    /// Works in doubles, as the reference does, so magnitudes beyond trillions repeat
    /// ("ten billion trillion trillion").
    private static func lookup(_ num: Double, prev: Bool, ord: Bool) -> String {
        var words: String
        if num <= 19 {
            words = (prev ? " and " : "") + (ord ? ordinals[Int(num)] : few[Int(num)])
        } else if num < 100 {
            let tens = Int(num / 10), remainder = num.truncatingRemainder(dividingBy: 10)
            words = (prev ? " and " : "") + decades[tens - 2]
            if remainder > 0 {
                words += "-" + lookup(remainder, prev: false, ord: ord)
            } else if ord {
                words = String(words.dropLast()) + "ieth"
            }
        } else if num < 1000 {
            let hundreds = Int(num / 100), remainder = num.truncatingRemainder(dividingBy: 100)
            words = (prev ? ", " : "") + few[hundreds] + " Hundred"
            if remainder > 0 { words += lookup(remainder, prev: true, ord: ord) } else if ord { words += "th" }
        } else {
            var mag = Int((log10(num) / 3).rounded(.down))
            if mag > magnitudes.count { mag = magnitudes.count }
            let factor = pow(10, Double(mag * 3))
            let mant = (num / factor).rounded(.down)
            let remainder = num - mant * factor
            words = (prev ? ", " : "") + lookup(mant, prev: false, ord: false) + " " + magnitudes[mag - 1]
            if remainder > 0 { words += lookup(remainder, prev: true, ord: ord) } else if ord { words += "th" }
        }
        return words
    }

    static let wordValues: [String: Double] = {
        var values: [String: Double] = [:]
        for (i, w) in few.enumerated() { values[w.lowercased()] = Double(i) }
        for (i, w) in ordinals.enumerated() { values[w.lowercased()] = Double(i) }
        for (i, w) in decades.enumerated() {
            let lower = w.lowercased()
            values[lower] = Double((i + 2) * 10)
            values[String(lower.dropLast()) + "ieth"] = Double((i + 2) * 10)
        }
        values["hundredth"] = 100
        for (i, w) in magnitudes.enumerated() {
            let v = pow(10, Double((i + 1) * 3))
            values[w.lowercased()] = v
            values[w.lowercased() + "th"] = v
        }
        return values
    }()

    static func value(of text: String) -> Double {
        let normalized = text.replacingAll(", ", with: " ").replacingAll(" and ", with: " ").replacingAll("-", with: " ")
        let parts = normalized.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var segments: [Double] = [0]
        for part in parts {
            let value = wordValues[String(part)] ?? .nan
            if value < 100 {
                var top = segments.removeLast()
                if top >= 1000 {
                    segments.append(top)
                    top = 0
                }
                segments.append(top + value)
            } else {
                segments.append(segments.removeLast() * value)
            }
        }
        return segments.reduce(0, +)
    }
}
