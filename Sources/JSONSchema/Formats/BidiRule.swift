/// RFC 5893 §2, the Bidi rule for internationalised host names.
///
/// Swift does not expose the Unicode Bidi_Class property, so characters are classified by the
/// script blocks where the right-to-left classes live (Hebrew, Arabic, Syriac, Thaana, N'Ko, …),
/// which is exact for the letters and digits host names use.
enum BidiRule {
    enum BidiClass {
        case l, r, al, en, an, nsm, neutral
    }

    /// Whether `labels` (decoded, code points) satisfy the rule; it only constrains a domain
    /// that contains a right-to-left label.
    static func accepts(_ labels: [[Unicode.Scalar]]) -> Bool {
        let classified = labels.map { $0.map(classify) }
        let isBidiDomain = classified.contains { $0.contains { $0 == .r || $0 == .al || $0 == .an } }
        guard isBidiDomain else { return true }
        return classified.allSatisfy(acceptsLabel)
    }

    private static func acceptsLabel(_ classes: [BidiClass]) -> Bool {
        guard let first = classes.first else { return true }
        let significant = classes.reversed().drop { $0 == .nsm }
        guard let last = significant.first else { return false }
        switch first {
        case .r, .al:
            guard !classes.contains(.l), [.r, .al, .en, .an].contains(last) else { return false }
            return !(classes.contains(.en) && classes.contains(.an))
        case .l:
            guard !classes.contains(where: { $0 == .r || $0 == .al || $0 == .an }) else { return false }
            return last == .l || last == .en
        default:
            return false
        }
    }

    static func classify(_ scalar: Unicode.Scalar) -> BidiClass {
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return .nsm
        default: break
        }
        switch v {
        case 0x30...0x39, 0x06F0...0x06F9: return .en
        case 0x0660...0x0669, 0x066B, 0x066C: return .an
        case 0x0590...0x05FF, 0x07C0...0x085F, 0xFB1D...0xFB4F, 0x10800...0x10FFF, 0x1E800...0x1EDFF: return .r
        case 0x0600...0x07BF, 0x0860...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF, 0x1EE00...0x1EEFF: return .al
        default: break
        }
        if scalar.properties.isAlphabetic || scalar.properties.generalCategory == .spacingMark { return .l }
        return .neutral
    }
}
