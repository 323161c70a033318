import Foundation
import JSONValue

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`) or a single address.
///
/// Host bits below the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`). The prefix is a
/// decimal number without sign or leading zeros, at most 32 for IPv4 and 128 for IPv6. An
/// IPv4 address matches an IPv6 range through its IPv4-mapped form, and an IPv4-mapped IPv6
/// address matches IPv4 ranges.
public struct IPRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range.
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let string = String(text).trimmingCharacters(in: .whitespaces)
        let parts = string.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                digits.utf8.count == 1 || digits.first != "0", let parsed = Int(digits), parsed <= maximum
            else { return nil }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = Self.mask(address, prefixLength)
    }

    public func contains(_ address: IPAddress) -> Bool {
        var candidate = address.unmapped
        switch (network, candidate) {
        case (.v4, .v4), (.v6, .v6): break
        case (.v6, .v4): candidate = candidate.mapped
        default: return false
        }
        return Self.mask(candidate, prefixLength) == network
    }

    /// `a.b.c.d` for a single address, `network/length` otherwise.
    public var description: String {
        let full = network.isIPv4 ? 32 : 128
        return prefixLength == full ? network.description : "\(network)/\(prefixLength)"
    }

    static func mask(_ address: IPAddress, _ length: Int) -> IPAddress {
        func keep(_ word: UInt64, bits: Int) -> UInt64 {
            bits <= 0 ? 0 : bits >= 64 ? word : word & ~(UInt64.max >> UInt64(bits))
        }
        switch address {
        case .v4(let value):
            return .v4(length == 0 ? 0 : value & ~(UInt32.max >> UInt32(length)))
        case .v6(let high, let low):
            return .v6(high: keep(high, bits: length), low: keep(low, bits: length - 64))
        }
    }
}

/// A source's `ip_allowlist` / `ip_denylist`, or the server's trusted proxies.
public struct IPRangeList: Sendable, Hashable {
    public var ranges: [IPRange]

    public init(_ ranges: [IPRange] = []) {
        self.ranges = ranges
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// Canonical text of each entry, for storing and for responses.
    public var entries: [String] { ranges.map(\.description) }

    /// Parses a comma-separated list (`"54.187.174.169, 10.0.0.0/16"`); blank entries are
    /// ignored.
    /// - Throws: ``PolicyValidationError`` naming the first invalid entry.
    public static func parse(_ text: String, field: String) throws(PolicyValidationError) -> IPRangeList {
        var ranges: [IPRange] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let range = IPRange(trimmed) else {
                throw PolicyValidationError(
                    field: field,
                    message: "\(field) contains an invalid IP address or CIDR range: \"\(trimmed)\""
                )
            }
            ranges.append(range)
        }
        return IPRangeList(ranges)
    }

    /// Parses stored entries (each may itself be comma-separated).
    /// - Throws: ``PolicyValidationError`` naming the first invalid entry.
    public static func parse(_ entries: [String], field: String) throws(PolicyValidationError) -> IPRangeList {
        var ranges: [IPRange] = []
        for entry in entries { ranges += try parse(entry, field: field).ranges }
        return IPRangeList(ranges)
    }

    /// Parses the API's forms: `null` or absent (empty list), an array of strings, or one
    /// comma-separated string (the IP filtering guide's form).
    /// - Throws: ``PolicyValidationError`` for a wrong type or an invalid entry.
    public static func parse(_ json: JSON?, field: String) throws(PolicyValidationError) -> IPRangeList {
        switch json {
        case nil, .null?:
            return IPRangeList()
        case .string(let text)?:
            return try parse(text, field: field)
        case .array(let items)?:
            var entries: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw PolicyValidationError(
                        field: field, message: "\(field) must be an array of IP addresses or CIDR ranges (strings)"
                    )
                }
                entries.append(text)
            }
            return try parse(entries, field: field)
        default:
            throw PolicyValidationError(
                field: field, message: "\(field) must be an array of IP addresses or CIDR ranges, or a comma-separated string"
            )
        }
    }
}
