import Foundation

/// An IPv4 or IPv6 address, parsed strictly.
///
/// IPv4 is four decimal octets 0–255 without leading zeros (`010.0.0.1` is rejected, since
/// some parsers read it as octal). IPv6 is RFC 4291 text: up to eight groups of 1–4 hex
/// digits, at most one `::`, an optional dotted IPv4 tail; zone ids (`%eth0`) are rejected.
///
/// ```swift
/// IPAddress("::ffff:1.2.3.4")?.unmapped == IPAddress("1.2.3.4")   // true
/// ```
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    public init?(_ text: some StringProtocol) {
        let string = String(text)
        if string.contains(":") {
            guard let (high, low) = Self.parseV6(string) else { return nil }
            self = .v6(high: high, low: low)
        } else {
            guard let value = Self.parseV4(Substring(string)) else { return nil }
            self = .v4(value)
        }
    }

    /// An address as it appears in `X-Forwarded-For`, `CF-Connecting-IP` or a socket peer
    /// description: surrounding whitespace, `[v6]`, `[v6]:port` and `v4:port` are accepted.
    public init?(forwarded text: some StringProtocol) {
        var value = Substring(text).trimmingCharacters(in: .whitespaces)[...]
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            let rest = value[value.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            value = value[value.index(after: value.startIndex)..<close]
        } else if let colon = value.firstIndex(of: ":"), value[value.index(after: colon)...].allSatisfy(\.isNumber),
            value.filter({ $0 == ":" }).count == 1
        {
            value = value[..<colon]
        }
        self.init(value)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`); otherwise self.
    public var unmapped: IPAddress {
        if case .v6(0, let low) = self, low >> 32 == 0xFFFF {
            return .v4(UInt32(truncatingIfNeeded: low))
        }
        return self
    }

    /// The IPv4-mapped IPv6 form of an IPv4 address; IPv6 addresses are returned unchanged.
    var mapped: IPAddress {
        if case .v4(let value) = self { return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64(value)) }
        return self
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// Dotted quad for IPv4; RFC 5952 form for IPv6 (lowercase, longest zero run as `::`).
    public var description: String {
        switch self {
        case .v4(let value):
            return Self.dotted(value)
        case .v6(let high, let low):
            if high == 0 && low >> 32 == 0xFFFF { return "::ffff:" + Self.dotted(UInt32(truncatingIfNeeded: low)) }
            let groups = (0..<8).map { index -> UInt16 in
                let word = index < 4 ? high : low
                return UInt16(truncatingIfNeeded: word >> (UInt64(3 - index % 4) * 16))
            }
            var bestStart = -1
            var bestLength = 1
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else { index += 1; continue }
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength { bestStart = index; bestLength = end - index }
                index = end
            }
            let hex = groups.map { String($0, radix: 16) }
            guard bestStart >= 0 else { return hex.joined(separator: ":") }
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    static func dotted(_ value: UInt32) -> String {
        (0..<4).map { String((value >> (UInt32(3 - $0) * 8)) & 0xFF) }.joined(separator: ".")
    }

    static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                part.utf8.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseV6(_ text: String) -> (UInt64, UInt64)? {
        func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (offset, piece) in pieces.enumerated() {
                if allowIPv4Tail && offset == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    out += [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                    continue
                }
                guard (1...4).contains(piece.utf8.count), piece.allSatisfy(\.isHexDigit), let group = UInt16(piece, radix: 16)
                else { return nil }
                out.append(group)
            }
            return out
        }
        var all: [UInt16]
        if let gap = text.range(of: "::") {
            let left = text[..<gap.lowerBound]
            let right = text[gap.upperBound...]
            guard !right.contains("::"), let head = groups(left, allowIPv4Tail: false),
                let tail = groups(right, allowIPv4Tail: true), head.count + tail.count <= 7
            else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let full = groups(Substring(text), allowIPv4Tail: true), full.count == 8 else { return nil }
            all = full
        }
        let high = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}
