/// Host names: RFC 1123 labels, and IDNA 2008 (RFC 5890–5892) for A-labels (`xn--…`) and, in
/// the international form, U-labels.
///
/// The IDNA checks are the structural and contextual rules (RFC 5892 appendix A) and the
/// disallowed categories derivable from Unicode properties the standard library exposes
/// (unassigned, upper case, symbols, punctuation, spaces, the listed exceptions). The Bidi rule
/// (RFC 5893) and the full derived-property table are not applied.
enum HostnameFormat {
    static func isHostname(_ text: String, international: Bool) -> Bool {
        var labels: [Substring] = []
        if international {
            // IDNA treats the ideographic and full-width full stops as dots.
            labels = text.split(omittingEmptySubsequences: false) { "．。｡.".contains($0) }
        } else {
            labels = text.split(separator: ".", omittingEmptySubsequences: false)
        }
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        var decoded: [[Unicode.Scalar]] = []
        var needsBidiRule = false
        for label in labels {
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                guard isASCIILabel(label, international: international) else { return false }
                let lower = label.lowercased()
                if lower.hasPrefix("xn--") {
                    decoded.append(Punycode.decode(Array(lower.utf8.dropFirst(4))) ?? [])
                    needsBidiRule = true
                } else {
                    decoded.append(Array(lower.unicodeScalars))
                }
            } else {
                needsBidiRule = true
                let scalars = Array(label.unicodeScalars)
                guard international, isULabel(scalars), let encoded = Punycode.encode(scalars), encoded.count + 4 <= 63 else {
                    return false
                }
                decoded.append(scalars)
            }
        }
        // Only a label with non-ASCII characters can make the name a Bidi domain name.
        return !needsBidiRule || BidiRule.accepts(decoded)
    }

    private static func isASCIILabel(_ label: Substring, international: Bool) -> Bool {
        let bytes = Array(label.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-"),
            bytes.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") })
        else { return false }
        guard bytes.count >= 4, bytes[2] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: "-") else { return true }
        let lower = label.lowercased()
        // RFC 1123 allows "ab--cd"; IDNA reserves hyphens in positions 3–4 for A-labels.
        guard lower.hasPrefix("xn--") else { return !international }
        // An A-label must decode to a valid U-label that encodes back to exactly itself.
        guard let decoded = Punycode.decode(Array(lower.utf8.dropFirst(4))), isULabel(decoded),
            let encoded = Punycode.encode(decoded), "xn--" + encoded == lower
        else { return false }
        return true
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    static func isULabel(_ label: [Unicode.Scalar]) -> Bool {
        guard !label.isEmpty, label.count <= 63, label.first != "-", label.last != "-" else { return false }
        if label.count >= 4 && label[2] == "-" && label[3] == "-" { return false }
        if let first = label.first, isMark(first) { return false }
        var hasArabicIndic = false
        var hasExtendedArabicIndic = false
        for (i, scalar) in label.enumerated() {
            let previous = i > 0 ? label[i - 1] : nil
            let next = i + 1 < label.count ? label[i + 1] : nil
            switch scalar.value {
            case 0x00B7:  // MIDDLE DOT: only in "l·l" (Catalan).
                guard previous == "l", next == "l" else { return false }
            case 0x0375:  // GREEK LOWER NUMERAL SIGN: before a Greek character.
                guard let next, isGreek(next) else { return false }
            case 0x05F3, 0x05F4:  // HEBREW GERESH and GERSHAYIM: after a Hebrew character.
                guard let previous, (0x0590...0x05FF).contains(previous.value) else { return false }
            case 0x30FB:  // KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han in the label.
                guard label.contains(where: { $0.value != 0x30FB && isJapanese($0) }) else { return false }
            case 0x0660...0x0669: hasArabicIndic = true
            case 0x06F0...0x06F9: hasExtendedArabicIndic = true
            case 0x200D:  // ZERO WIDTH JOINER: after a virama.
                guard let previous, previous.properties.canonicalCombiningClass.rawValue == 9 else { return false }
            case 0x200C:  // ZERO WIDTH NON-JOINER: after a virama, or between joining letters.
                if let previous, previous.properties.canonicalCombiningClass.rawValue == 9 { continue }
                guard let previous, let next, isJoining(previous), isJoining(next) else { return false }
            default:
                if !isPermitted(scalar) { return false }
            }
        }
        return !(hasArabicIndic && hasExtendedArabicIndic)
    }

    private static let disallowed: Set<UInt32> = [0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B]
    private static let exceptionallyValid: Set<UInt32> = [0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007]

    private static func isPermitted(_ scalar: Unicode.Scalar) -> Bool {
        if exceptionallyValid.contains(scalar.value) { return true }
        if disallowed.contains(scalar.value) { return false }
        if scalar == "-" { return true }
        let properties = scalar.properties
        if properties.changesWhenNFKCCaseFolded { return false }
        switch properties.generalCategory {
        case .lowercaseLetter, .otherLetter, .modifierLetter, .decimalNumber, .nonspacingMark, .spacingMark:
            return true
        case .enclosingMark, .uppercaseLetter, .titlecaseLetter:
            return false
        default:
            return false
        }
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    private static func isGreek(_ scalar: Unicode.Scalar) -> Bool {
        (0x0370...0x03FF).contains(scalar.value) || (0x1F00...0x1FFF).contains(scalar.value)
    }

    private static func isJapanese(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x3040...0x309F).contains(v) || (0x30A0...0x30FF).contains(v) || (0x4E00...0x9FFF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x20000...0x2FFFF).contains(v)
    }

    /// Arabic-script letters, which join on both sides (an approximation of Joining_Type D/L/R).
    private static func isJoining(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return ((0x0620...0x064A).contains(v) || (0x066E...0x06D3).contains(v) || (0x0750...0x077F).contains(v)
            || (0xA840...0xA872).contains(v))
    }
}
