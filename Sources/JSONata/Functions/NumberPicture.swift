import Foundation
import JSONValue

/// XPath `format-number` (F&O 3.1 §4.7) as `$formatNumber` implements it: picture validation
/// (`D3080`–`D3093`), grouping, exponent and percent/per-mille handling, custom symbols.
enum NumberPicture {
    fileprivate struct Parts {
        var prefix = "", suffix = "", active = "", mantissa = "", integer = "", fraction = ""
        var exponent: String?
        var picture = ""
    }

    fileprivate struct Analysis {
        var integerGrouping: [Int] = []
        var regularGrouping = 0
        var minimumInteger = 0
        var scalingFactor = 0
        var prefix = "", suffix = ""
        var fractionGrouping: [Int] = []
        var minimumFraction = 0
        var maximumFraction = 0
        var minimumExponent = 0
        var picture = ""
        /// What a number is multiplied by before formatting: 100 for a percent picture, 1000
        /// for per-mille.
        var scale = 1.0
    }

    /// A picture analysed once; formatting a number with it does no parsing.
    struct Compiled: @unchecked Sendable {
        fileprivate let variables: [Analysis]
        fileprivate let characters: Symbols<Character>
        /// The same symbols as bytes, when every one of them is an ASCII character: the
        /// default ones and most custom ones. Formatting compares symbols many times, and
        /// comparing `Character`s is comparing strings.
        fileprivate let bytes: Symbols<UInt8>?
        fileprivate let minusSign: String
    }

    /// The digits and separators a picture formats with.
    fileprivate struct Symbols<Symbol: PictureSymbol> {
        let family: [Symbol]
        let decimal: Symbol
        let group: Symbol
        let exponent: Symbol
    }

    static func format(_ value: Double, picture: String, options: Value?) throws -> String {
        try compile(picture: picture, options: options).format(value)
    }

    static func compile(picture: String, options: Value?) throws -> Compiled {
        var props: [String: String] = [
            "decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e", "infinity": "Infinity",
            "minus-sign": "-", "NaN": "NaN", "percent": "%", "per-mille": "\u{2030}", "zero-digit": "0", "digit": "#",
            "pattern-separator": ";",
        ]
        for (k, v) in options?.objectMembers ?? [] { if case .string(let s) = v { props[k] = s } }
        let zero = props["zero-digit"]!.unicodeScalars.first!.value
        let family: [Character] = (0..<10).map { Character(Unicode.Scalar(zero + $0)!) }
        let decimalSep = Character(props["decimal-separator"]!)
        let groupSep = Character(props["grouping-separator"]!)
        let expSep = Character(props["exponent-separator"]!)
        let digit = Character(props["digit"]!)
        let patternSep = Character(props["pattern-separator"]!)
        let percent = props["percent"]!, perMille = props["per-mille"]!
        let active = Set(family + [decimalSep, expSep, groupSep, digit, patternSep])
        func isDigit(_ c: Character) -> Bool { family.contains(c) }

        let subPictures = picture.split(separator: patternSep, omittingEmptySubsequences: false).map { Array($0) }
        if subPictures.count > 2 { throw EvalError("D3080") }

        func split(_ sub: [Character]) -> Parts {
            var p = Parts()
            p.picture = String(sub)
            let first = sub.firstIndex { active.contains($0) && $0 != expSep } ?? sub.count
            let last = sub.lastIndex { active.contains($0) && $0 != expSep }
            p.prefix = String(sub[..<first])
            p.suffix = last.map { String(sub[($0 + 1)...]) } ?? ""
            let activeEnd = sub.count - p.suffix.count
            let activeChars = first <= activeEnd ? Array(sub[first..<activeEnd]) : []
            p.active = String(activeChars)
            let expPos = sub[first...].firstIndex(of: expSep)
            var mantissa = activeChars
            if let e = expPos, e <= sub.count - p.suffix.count {
                let rel = e - first
                mantissa = Array(activeChars[..<min(rel, activeChars.count)])
                p.exponent = rel + 1 <= activeChars.count ? String(activeChars[(rel + 1)...]) : ""
            }
            p.mantissa = String(mantissa)
            if let d = mantissa.firstIndex(of: decimalSep) {
                p.integer = String(mantissa[..<d])
                p.fraction = String(mantissa[(d + 1)...])
            } else {
                p.integer = String(mantissa)
                p.fraction = p.suffix
            }
            return p
        }

        func validate(_ p: Parts) throws {
            let sub = Array(p.picture)
            var error: String?
            let decimals = sub.indices.filter { sub[$0] == decimalSep }
            if decimals.count > 1 { error = "D3081" }
            if p.picture.components(separatedBy: percent).count > 2 { error = "D3082" }
            if p.picture.components(separatedBy: perMille).count > 2 { error = "D3083" }
            if p.picture.contains(percent) && p.picture.contains(perMille) { error = "D3084" }
            if !p.mantissa.contains(where: { isDigit($0) || $0 == digit }) { error = "D3085" }
            if p.active.contains(where: { !active.contains($0) }) { error = "D3086" }
            if let d = decimals.first {
                if (d > 0 && sub[d - 1] == groupSep) || (d + 1 < sub.count && sub[d + 1] == groupSep) { error = "D3087" }
            } else if p.integer.last == groupSep {
                error = "D3088"
            }
            if p.picture.contains(String([groupSep, groupSep])) { error = "D3089" }
            if let o = p.integer.firstIndex(of: digit), p.integer[..<o].contains(where: isDigit) { error = "D3090" }
            if let o = p.fraction.lastIndex(of: digit), p.fraction[o...].contains(where: isDigit) { error = "D3091" }
            if let e = p.exponent {
                if !e.isEmpty && (p.picture.contains(percent) || p.picture.contains(perMille)) { error = "D3092" }
                if e.isEmpty || e.contains(where: { !isDigit($0) }) { error = "D3093" }
            }
            if let error { throw EvalError(error) }
        }

        func analyse(_ p: Parts) -> Analysis {
            var a = Analysis()
            func grouping(_ part: String, toLeft: Bool) -> [Int] {
                var positions: [Int] = []
                let chars = Array(part)
                let integerChars = Array(p.integer)
                var pos = chars.firstIndex(of: groupSep)
                while let g = pos {
                    let slice = toLeft ? chars[..<g] : chars[g...]
                    positions.append(slice.filter { isDigit($0) || $0 == digit }.count)
                    pos = g + 1 < integerChars.count ? integerChars[(g + 1)...].firstIndex(of: groupSep) : nil
                }
                return positions
            }
            a.integerGrouping = grouping(p.integer, toLeft: false)
            if !a.integerGrouping.isEmpty {
                func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
                let factor = a.integerGrouping.dropFirst().reduce(a.integerGrouping[0], gcd)
                a.regularGrouping = factor
                for i in 1...a.integerGrouping.count where !a.integerGrouping.contains(i * factor) {
                    a.regularGrouping = 0
                    break
                }
            }
            a.fractionGrouping = grouping(p.fraction, toLeft: true)
            a.minimumInteger = p.integer.filter(isDigit).count
            a.scalingFactor = a.minimumInteger
            a.minimumFraction = p.fraction.filter(isDigit).count
            a.maximumFraction = p.fraction.filter { isDigit($0) || $0 == digit }.count
            let exponentPresent = p.exponent != nil
            if a.minimumInteger == 0 && a.maximumFraction == 0 {
                if exponentPresent {
                    a.minimumFraction = 1
                    a.maximumFraction = 1
                } else {
                    a.minimumInteger = 1
                }
            }
            if exponentPresent && a.minimumInteger == 0 && p.integer.contains(digit) { a.minimumInteger = 1 }
            if a.minimumInteger == 0 && a.minimumFraction == 0 { a.minimumFraction = 1 }
            if let e = p.exponent { a.minimumExponent = e.filter(isDigit).count }
            a.prefix = p.prefix
            a.suffix = p.suffix
            a.picture = p.picture
            if p.picture.contains(percent) { a.scale = 100 } else if p.picture.contains(perMille) { a.scale = 1000 }
            return a
        }

        let parts = subPictures.map(split)
        for p in parts { try validate(p) }
        var variables = parts.map(analyse)
        if variables.count == 1 {
            var negative = variables[0]
            negative.prefix = props["minus-sign"]! + negative.prefix
            variables.append(negative)
        }
        let characters = Symbols(family: family, decimal: decimalSep, group: groupSep, exponent: expSep)
        func byte(_ c: Character) -> UInt8? { c.unicodeScalars.count == 1 && c.isASCII ? c.asciiValue : nil }
        var bytes: Symbols<UInt8>?
        let familyBytes = family.compactMap(byte)
        if familyBytes.count == family.count, let decimal = byte(decimalSep), let group = byte(groupSep), let exponent = byte(expSep) {
            bytes = Symbols(family: familyBytes, decimal: decimal, group: group, exponent: exponent)
        }
        return Compiled(variables: variables, characters: characters, bytes: bytes, minusSign: props["minus-sign"]!)
    }
}

/// A symbol of formatted text: a byte when all the picture's symbols are ASCII, a `Character`
/// otherwise.
fileprivate protocol PictureSymbol: Equatable {
    init(ascii: UInt8)
    static func text(_ symbols: [Self]) -> String
}

extension UInt8: PictureSymbol {
    fileprivate init(ascii: UInt8) { self = ascii }
    fileprivate static func text(_ symbols: [UInt8]) -> String { String(decoding: symbols, as: UTF8.self) }
}

extension Character: PictureSymbol {
    fileprivate init(ascii: UInt8) { self = Character(Unicode.Scalar(ascii)) }
    fileprivate static func text(_ symbols: [Character]) -> String { String(symbols) }
}

extension NumberPicture.Compiled {
    func format(_ value: Double) -> String {
        if let bytes { return format(value, with: bytes) }
        return format(value, with: characters)
    }

    private func format<Symbol>(_ value: Double, with symbols: NumberPicture.Symbols<Symbol>) -> String {
        let pic = value >= 0 ? variables[0] : variables[1]
        let adjusted = pic.scale == 1 ? value : value * pic.scale
        var mantissa = adjusted
        var exponent = 0
        if pic.minimumExponent != 0 {
            let maxMantissa = pow(10, Double(pic.scalingFactor))
            let minMantissa = pow(10, Double(pic.scalingFactor - 1))
            mantissa = abs(adjusted)
            while mantissa != 0 && mantissa < minMantissa {
                mantissa *= 10
                exponent -= 1
            }
            while mantissa.isFinite && mantissa > maxMantissa {
                mantissa /= 10
                exponent += 1
            }
        }
        let rounded = Builtins.roundHalfEven(mantissa, Double(pic.maximumFraction))
        let family = symbols.family, decimalSep = symbols.decimal, groupSep = symbols.group
        func makeString(_ v: Double, _ dp: Int) -> [Symbol] {
            // `v` already has at most `dp` decimals, so JavaScript's `toFixed(dp)` equals its
            // shortest representation padded with zeros; printf is the fallback for exponents.
            var text: [UInt8] = []
            JSNumberFormat.write(abs(v), to: &text)
            let dot = text.firstIndex(of: UInt8(ascii: "."))
            let decimals = dot.map { text.count - $0 - 1 } ?? 0
            if text.contains(UInt8(ascii: "e")) || decimals > dp {
                text = Array(String(format: "%.\(dp)f", abs(v)).utf8)
            } else if dp > 0 {
                if dot == nil { text.append(UInt8(ascii: ".")) }
                text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: dp - decimals))
            }
            // The text is ASCII: its digits map to the picture's digit family by their code.
            return text.map { byte in
                byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? family[Int(byte - UInt8(ascii: "0"))] : Symbol(ascii: byte)
            }
        }
        var s = makeString(rounded, pic.maximumFraction)
        if let dot = s.firstIndex(of: Symbol(ascii: UInt8(ascii: "."))) { s[dot] = decimalSep } else { s.append(decimalSep) }
        let zeroChar = family[0]
        while s.first == zeroChar { s.removeFirst() }
        while s.last == zeroChar { s.removeLast() }
        var decimalPos = s.firstIndex(of: decimalSep)!
        let padLeft = pic.minimumInteger - decimalPos
        let padRight = pic.minimumFraction - (s.count - decimalPos - 1)
        if padLeft > 0 { s.insert(contentsOf: Array(repeating: zeroChar, count: padLeft), at: 0) }
        if padRight > 0 { s.append(contentsOf: Array(repeating: zeroChar, count: padRight)) }
        decimalPos = s.firstIndex(of: decimalSep)!
        if pic.regularGrouping > 0 {
            let groups = (decimalPos - 1) / pic.regularGrouping
            if groups >= 1 {
                for g in 1...groups { s.insert(groupSep, at: decimalPos - g * pic.regularGrouping) }
            }
        } else {
            for pos in pic.integerGrouping {
                s.insert(groupSep, at: decimalPos - pos)
                decimalPos += 1
            }
        }
        decimalPos = s.firstIndex(of: decimalSep)!
        for pos in pic.fractionGrouping { s.insert(groupSep, at: pos + decimalPos + 1) }
        decimalPos = s.firstIndex(of: decimalSep)!
        if pic.maximumFraction == 0 || decimalPos == s.count - 1 { s.remove(at: decimalPos) }
        var out = Symbol.text(s)
        if pic.minimumExponent > 0 {
            var expString = makeString(Double(exponent), 0)
            let pad = pic.minimumExponent - expString.count
            if pad > 0 { expString.insert(contentsOf: Array(repeating: zeroChar, count: pad), at: 0) }
            out += Symbol.text([symbols.exponent]) + (exponent < 0 ? minusSign : "") + Symbol.text(expString)
        }
        return pic.prefix + out + pic.suffix
    }
}
