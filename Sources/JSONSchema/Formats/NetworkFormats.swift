/// RFC 2673 §3.2 dotted-quad IPv4 and RFC 4291 §2.2 IPv6 text forms.
enum IPFormat {
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                part == "0" || !part.hasPrefix("0"), let value = Int(part), value <= 255
            else { return false }
        }
        return true
    }

    static func isIPv6(_ text: Substring) -> Bool {
        guard text.utf8.allSatisfy({ hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
            return false
        }
        var groups = text.split(separator: ":", omittingEmptySubsequences: false).map { $0 }
        var units = 0
        // A trailing dotted quad stands for the last two groups.
        if let last = groups.last, last.contains(".") {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            groups.append("0")
            units = 1
        }
        let compressions = text.ranges(of: "::").count
        guard compressions <= 1 else { return false }
        if compressions == 1 {
            // "::" yields empty strings at its position (and at the ends when it leads or ends).
            var trimmed = groups
            if text.hasPrefix("::") { trimmed.removeFirst() }
            if text.hasSuffix("::") { trimmed.removeLast() }
            let empties = trimmed.filter(\.isEmpty).count
            guard empties == 1 else { return false }
            let filled = trimmed.filter { !$0.isEmpty }
            guard filled.allSatisfy({ $0.utf8.count <= 4 }) else { return false }
            return filled.count + units <= 7
        }
        guard groups.count + units == 8 else { return false }
        return groups.allSatisfy { (1...4).contains($0.utf8.count) }
    }
}

/// RFC 5321 §4.1.2 mailboxes (`local@domain`); the international form (RFC 6531) also admits
/// non-ASCII characters in the local part and an IDN domain.
enum EmailFormat {
    static func isEmail(_ text: String, international: Bool) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, isLocalPart(local, international: international) else { return false }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return IPFormat.isIPv6(literal.dropFirst(5)) }
            return IPFormat.isIPv4(literal)
        }
        return HostnameFormat.isHostname(String(domain), international: international)
    }

    /// RFC 5322 atext (letters, digits and ``!#$%&'*+-/=?^_`{|}~``) plus the dot, by ASCII code.
    private static let isAtext: [Bool] = (0..<128).map { code in
        let c = Character(Unicode.Scalar(UInt8(code)))
        return c.isLetter || c.isNumber || "!#$%&'*+-/=?^_`{|}~.".contains(c)
    }

    private static func isLocalPart(_ local: Substring, international: Bool) -> Bool {
        if local.count >= 2 && local.hasPrefix("\"") && local.hasSuffix("\"") {
            var escaped = false
            for scalar in local.dropFirst().dropLast().unicodeScalars {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                if scalar == "\"" || (scalar.value < 32 && scalar != "\t") { return false }
                if !scalar.isASCII && !international { return false }
            }
            return !escaped
        }
        guard !local.hasPrefix("."), !local.hasSuffix(".") else { return false }
        var previousWasDot = false
        for byte in local.utf8 {
            let isDot = byte == UInt8(ascii: ".")
            if isDot && previousWasDot { return false }
            previousWasDot = isDot
        }
        // Byte-wise: UTF-8 bytes >= 0x80 belong to non-ASCII characters, allowed by RFC 6531.
        return local.utf8.allSatisfy { byte in
            if byte >= 0x80 { return international }
            return isAtext[Int(byte)]
        }
    }
}
