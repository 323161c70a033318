import Foundation

/// Decides which address a request came from.
///
/// The TCP peer is the answer unless the peer is one of the configured trusted proxies
/// (`--trusted-proxies`). Only then are forwarding headers read:
///
/// 1. `X-Forwarded-For` (every occurrence, in order, as one comma-separated chain) is walked
///    from the right; each trusted proxy appends the address it saw, so the right-most entry
///    that is not itself a trusted proxy is the client. An unparseable entry ends the walk,
///    since nothing left of it can be trusted, and the last trusted hop is the answer.
/// 2. Without a usable `X-Forwarded-For`, `CF-Connecting-IP` is used (Cloudflare sets it and
///    appends to `X-Forwarded-For` too, so the chain is preferred: an ordinary reverse proxy
///    passes a client-supplied `CF-Connecting-IP` through untouched, but it always appends to
///    the chain).
///
/// Headers from an untrusted peer are never read, so a client cannot spoof its address.
/// Addresses are returned in their IPv4 form when they are IPv4-mapped.
public struct ClientAddressResolver: Sendable, Hashable {
    public var trustedProxies: IPRangeList

    public init(trustedProxies: IPRangeList = IPRangeList()) {
        self.trustedProxies = trustedProxies
    }

    /// - Parameters:
    ///   - peer: the socket's remote address; `nil` when unknown (e.g. a Unix socket).
    ///   - headers: request headers; names are matched case-insensitively.
    public func resolve(peer: IPAddress?, headers: [(name: String, value: String)]) -> IPAddress? {
        guard let peer = peer?.unmapped else { return nil }
        guard trustedProxies.contains(peer) else { return peer }
        let chain = headers.filter { $0.name.lowercased() == "x-forwarded-for" }
            .flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if !chain.isEmpty {
            var current = peer
            for entry in chain.reversed() {
                guard let hop = IPAddress(forwarded: entry)?.unmapped else { return current }
                if !trustedProxies.contains(hop) { return hop }
                current = hop
            }
            return current
        }
        if let value = headers.first(where: { $0.name.lowercased() == "cf-connecting-ip" })?.value,
            let address = IPAddress(forwarded: value)
        {
            return address.unmapped
        }
        return peer
    }

    /// ``resolve(peer:headers:)`` for a peer given as text (`"10.0.0.1"`, `"[::1]:8080"`).
    public func resolve(peer: String?, headers: [(name: String, value: String)]) -> IPAddress? {
        resolve(peer: peer.flatMap { IPAddress(forwarded: $0) }, headers: headers)
    }
}
