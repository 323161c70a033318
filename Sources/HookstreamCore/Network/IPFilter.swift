/// A source's IP filter: the denylist is checked first, then the allowlist; an empty
/// allowlist admits every address not denied.
public struct IPFilter: Sendable, Hashable {
    public var allowlist: IPRangeList
    public var denylist: IPRangeList

    public init(allowlist: IPRangeList = IPRangeList(), denylist: IPRangeList = IPRangeList()) {
        self.allowlist = allowlist
        self.denylist = denylist
    }

    /// Whether the filter does anything at all.
    public var isEmpty: Bool { allowlist.isEmpty && denylist.isEmpty }

    /// - Parameter address: the resolved client address (see ``ClientAddressResolver``);
    ///   `nil` when it is unknown, which an allowlist cannot admit.
    public func evaluate(_ address: IPAddress?) -> IPFilterDecision {
        guard let address else {
            return allowlist.isEmpty ? .allowed : .denied(reason: "client IP address is unknown and the source has an allowlist")
        }
        let shown = address.unmapped
        if denylist.contains(address) {
            return .denied(reason: "IP address \(shown) is in the source's denylist")
        }
        if !allowlist.isEmpty && !allowlist.contains(address) {
            return .denied(reason: "IP address \(shown) is not in the source's allowlist")
        }
        return .allowed
    }
}

/// The outcome of ``IPFilter/evaluate(_:)``; `denied` is answered with 403 and the reason.
public enum IPFilterDecision: Sendable, Equatable {
    case allowed
    case denied(reason: String)
}
