import Foundation

/// Syntax check for allow/deny list entries: an IPv4 or IPv6 address, optionally with a
/// prefix length within the family's width.
enum IPEntry {
    static func isValid(_ entry: String) -> Bool {
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        let address = String(parts[0])
        var v4 = in_addr()
        var v6 = in6_addr()
        let width: Int
        if inet_pton(AF_INET, address, &v4) == 1 {
            width = 32
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            width = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        guard let prefix = Int(parts[1]), String(prefix) == parts[1] else { return false }
        return (0...width).contains(prefix)
    }
}
