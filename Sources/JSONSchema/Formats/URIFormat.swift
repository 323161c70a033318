/// RFC 3986 URIs and URI references, RFC 3987 IRIs (which also admit non-ASCII characters), and
/// RFC 6570 URI templates, checked character class by character class.
enum URIFormat {
    private static let unreserved = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".unicodeScalars)
    private static let subDelims = Set("!$&'()*+,;=".unicodeScalars)

    static func check(_ text: String, absolute: Bool, international: Bool) -> Bool {
        let reference = URIReference(text)
        if reference.scheme == nil {
            guard !absolute else { return false }
            // A relative path's first segment must not look like a scheme.
            if reference.authority == nil, let firstSegment = reference.path.split(separator: "/").first,
                !reference.path.hasPrefix("/"), firstSegment.contains(":")
            {
                return false
            }
        } else if text.hasPrefix(":") {
            return false
        }
        if let authority = reference.authority, !isAuthority(authority, international: international) { return false }
        if reference.authority != nil, !reference.path.isEmpty, !reference.path.hasPrefix("/") { return false }
        if reference.authority == nil, reference.path.hasPrefix("//") { return false }
        let extra: Set<Unicode.Scalar> = [":", "@", "/"]
        guard isEncoded(reference.path, extra: extra, international: international) else { return false }
        if let query = reference.query, !isEncoded(query, extra: extra.union(["?"]), international: international) {
            return false
        }
        if let fragment = reference.fragment, !isEncoded(fragment, extra: extra.union(["?"]), international: international) {
            return false
        }
        return true
    }

    private static func isAuthority(_ authority: String, international: Bool) -> Bool {
        var host = Substring(authority)
        if let at = host.lastIndex(of: "@") {
            guard isEncoded(host[..<at], extra: [":"], international: international) else { return false }
            host = host[host.index(after: at)...]
        }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let literal = host[host.index(after: host.startIndex)..<close]
            guard IPFormat.isIPv6(literal) || literal.hasPrefix("v") || literal.hasPrefix("V") else { return false }
            host = host[host.index(after: close)...]
            guard host.isEmpty || host.hasPrefix(":") else { return false }
        }
        if let colon = host.lastIndex(of: ":") {
            guard host[host.index(after: colon)...].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            host = host[..<colon]
        }
        return isEncoded(host, extra: [], international: international)
    }

    /// Whether `text` consists of unreserved characters, sub-delimiters, `extra` and `%XX`
    /// escapes (plus non-ASCII characters for IRIs).
    private static func isEncoded(_ text: some StringProtocol, extra: Set<Unicode.Scalar>, international: Bool) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].isASCII, scalars[i + 2].isASCII,
                    hexValue(UInt8(scalars[i + 1].value)) != nil, hexValue(UInt8(scalars[i + 2].value)) != nil
                else { return false }
                i += 3
                continue
            }
            let allowed = unreserved.contains(c) || subDelims.contains(c) || extra.contains(c)
                || (international && c.value >= 0xA0 && !isIRIExcluded(c))
            guard allowed else { return false }
            i += 1
        }
        return true
    }

    private static func isIRIExcluded(_ c: Unicode.Scalar) -> Bool {
        (0xD800...0xDFFF).contains(c.value) || (0xFDD0...0xFDEF).contains(c.value) || c.value & 0xFFFE == 0xFFFE
    }

    /// RFC 6570: literals outside braces, and `{op? varspec(,varspec)*}` expressions.
    static func isTemplate(_ text: String) -> Bool {
        var inExpression = false
        var expression = ""
        for c in text.unicodeScalars {
            if inExpression {
                if c == "}" {
                    guard isExpression(expression) else { return false }
                    inExpression = false
                    expression = ""
                } else {
                    expression.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "{": inExpression = true
            // RFC 6570 excludes the apostrophe too, but the JSON Schema suite (and common
            // templates) accept it.
            case "}", " ", "\"", "<", ">", "\\", "^", "`", "|": return false
            default: if c.value < 0x20 || c.value == 0x7F { return false }
            }
        }
        return !inExpression
    }

    private static func isExpression(_ body: String) -> Bool {
        var rest = Substring(body)
        if let first = rest.first, "+#./;?&=,!@|".contains(first) { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return false }
        return rest.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { spec in
            var name = spec
            if name.hasSuffix("*") {
                name = name.dropLast()
            } else if let colon = name.firstIndex(of: ":") {
                let length = name[name.index(after: colon)...]
                guard (1...4).contains(length.count), length.allSatisfy({ $0.isASCII && $0.isNumber }), length.first != "0"
                else { return false }
                name = name[..<colon]
            }
            // varname = varchar *( ["."] varchar ): dots only between characters.
            guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..") else { return false }
            return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.%".contains($0)) }
        }
    }
}
