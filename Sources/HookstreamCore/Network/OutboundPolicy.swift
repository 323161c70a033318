/// Which addresses hookstream's own outbound requests may reach: deliveries, notifications,
/// replays to a URL, and the calls unauthenticated endpoints make (tools, test-session
/// forwarding). One policy for all of them, checked on the address actually connected to.
///
/// - Link-local addresses (where cloud metadata services hand out credentials), unspecified,
///   multicast and broadcast addresses are refused for everyone.
/// - Private and loopback networks are allowed to the operator's own configuration
///   (destinations, channels), because a self-hosted gateway's receivers usually live there —
///   unless `--deny-private-destinations` is set.
/// - Unauthenticated callers choose URLs on a server they do not own, so what they may reach
///   is `--public-outbound`: `public` addresses only (the default), `all`, or `off`.
///   `--deny-private-destinations` still applies to them: the stricter setting wins.
public struct OutboundPolicy: Sendable, Equatable {
    /// Who chose the URL a request goes to.
    public enum Audience: Sendable {
        /// A user or API key of the organization chose it (destinations, channels, replays).
        case organization
        /// Anyone on the internet did (tools API, test-session forwarding).
        case anonymous
    }

    /// `--public-outbound`.
    public enum PublicOutbound: String, Sendable, CaseIterable {
        case `public`, all, off
    }

    public var denyPrivate: Bool
    public var publicOutbound: PublicOutbound

    public init(denyPrivate: Bool = false, publicOutbound: PublicOutbound = .public) {
        self.denyPrivate = denyPrivate
        self.publicOutbound = publicOutbound
    }

    static let alwaysRefused: [(range: IPRange, reason: String)] = [
        ("169.254.0.0/16", "a link-local address (cloud metadata services answer there)"),
        ("fe80::/10", "a link-local address"),
        ("fd00:ec2::254/128", "a cloud metadata address"),
        ("0.0.0.0/8", "an unspecified address"),
        ("::/128", "an unspecified address"),
        ("224.0.0.0/4", "a multicast address"),
        ("ff00::/8", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
    ].map { (IPRange($0.0)!, $0.1) }

    /// Networks that are not the public internet: loopback, RFC 1918, carrier-grade NAT,
    /// IPv6 unique-local, and the documentation/benchmark ranges nobody should be delivering to.
    static let nonPublic: [(range: IPRange, reason: String)] = [
        ("127.0.0.0/8", "a loopback address"),
        ("::1/128", "a loopback address"),
        ("10.0.0.0/8", "a private address"),
        ("172.16.0.0/12", "a private address"),
        ("192.168.0.0/16", "a private address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("fc00::/7", "a private (unique-local) address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("192.0.0.0/24", "a protocol-assignment address"),
        ("240.0.0.0/4", "a reserved address"),
    ].map { (IPRange($0.0)!, $0.1) }

    /// Why nothing at all may be sent for `audience`, or `nil` when addresses decide.
    public func refusal(for audience: Audience) -> String? {
        audience == .anonymous && publicOutbound == .off
            ? "outbound requests from unauthenticated endpoints are turned off on this server (--public-outbound off)"
            : nil
    }

    /// Why `address` must not be connected to on behalf of `audience`, or `nil` when it may.
    public func refusal(_ address: IPAddress, for audience: Audience) -> String? {
        if let whole = refusal(for: audience) { return whole }
        let plain = address.unmapped
        if let hit = Self.alwaysRefused.first(where: { $0.range.contains(plain) }) {
            return "\(plain) is \(hit.reason)"
        }
        let privateAllowed = !denyPrivate && (audience == .organization || publicOutbound == .all)
        if !privateAllowed, let hit = Self.nonPublic.first(where: { $0.range.contains(plain) }) {
            let why = denyPrivate ? "--deny-private-destinations" : "--public-outbound public"
            return "\(plain) is \(hit.reason), refused by \(why)"
        }
        return nil
    }

    /// What can be told from a URL's host alone, when a URL is saved: a literal address the
    /// policy refuses, or with `--deny-private-destinations` a name that always means this
    /// machine. Names are otherwise judged at send time, on the addresses they resolve to.
    public func refusal(host: String, for audience: Audience) -> String? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let address = IPAddress(bare) { return refusal(address, for: audience) }
        let name = bare.lowercased().hasSuffix(".") ? String(bare.lowercased().dropLast()) : bare.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost"),
            denyPrivate || (audience == .anonymous && publicOutbound != .all)
        {
            return refusal(.v4(0x7F00_0001), for: audience).map { "\(host) is this machine: \($0)" }
        }
        return refusal(for: audience)
    }
}
