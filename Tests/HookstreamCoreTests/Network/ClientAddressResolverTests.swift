import HookstreamCore
import Testing

@Suite struct ClientAddressResolverTests {
    let resolver = ClientAddressResolver(
        trustedProxies: try! IPRangeList.parse("10.0.0.0/8, 2001:db8:ffff::/48", field: "trusted_proxies")
    )

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let peer: String
        let headers: [(name: String, value: String)]
        let expected: String?
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "no proxy: the peer", peer: "203.0.113.5", headers: [], expected: "203.0.113.5"),
        Case(label: "untrusted peer: forwarding headers ignored", peer: "203.0.113.5",
             headers: [("X-Forwarded-For", "1.1.1.1"), ("CF-Connecting-IP", "2.2.2.2")], expected: "203.0.113.5"),
        Case(label: "trusted peer: the forwarded client", peer: "10.0.0.2",
             headers: [("X-Forwarded-For", "198.51.100.7")], expected: "198.51.100.7"),
        Case(label: "right-most untrusted wins over a spoofed left entry", peer: "10.0.0.2",
             headers: [("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.9")], expected: "198.51.100.7"),
        Case(label: "several X-Forwarded-For fields form one chain", peer: "10.0.0.2",
             headers: [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.7, 10.1.1.1")], expected: "198.51.100.7"),
        Case(label: "all hops trusted: the left-most", peer: "10.0.0.2",
             headers: [("X-Forwarded-For", "10.3.3.3, 10.4.4.4")], expected: "10.3.3.3"),
        Case(label: "garbage stops the walk at the last trusted hop", peer: "10.0.0.2",
             headers: [("X-Forwarded-For", "198.51.100.7, unknown, 10.4.4.4")], expected: "10.4.4.4"),
        Case(label: "CF-Connecting-IP when no X-Forwarded-For", peer: "10.0.0.2",
             headers: [("CF-Connecting-IP", "198.51.100.8")], expected: "198.51.100.8"),
        Case(label: "chain preferred over CF-Connecting-IP", peer: "10.0.0.2",
             headers: [("CF-Connecting-IP", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.7")], expected: "198.51.100.7"),
        Case(label: "trusted peer without headers: the peer", peer: "10.0.0.2", headers: [], expected: "10.0.0.2"),
        Case(label: "mapped peer is unmapped and matched as IPv4", peer: "::ffff:10.0.0.2",
             headers: [("X-Forwarded-For", "198.51.100.7")], expected: "198.51.100.7"),
        Case(label: "untrusted mapped peer returned as IPv4", peer: "::ffff:203.0.113.5", headers: [], expected: "203.0.113.5"),
        Case(label: "IPv6 proxies and clients", peer: "2001:db8:ffff::1",
             headers: [("X-Forwarded-For", "[2001:db8:1::7]:5000, 2001:db8:ffff::2")], expected: "2001:db8:1::7"),
        Case(label: "ports on forwarded IPv4", peer: "10.0.0.2",
             headers: [("X-Forwarded-For", "198.51.100.7:41000")], expected: "198.51.100.7"),
    ]

    @Test(arguments: cases)
    func resolves(_ example: Case) {
        let resolved = resolver.resolve(peer: example.peer, headers: example.headers)
        #expect(resolved == example.expected.flatMap { IPAddress($0) })
    }

    @Test func withoutTrustedProxiesTheHeadersAreNeverRead() {
        let plain = ClientAddressResolver()
        #expect(plain.resolve(peer: IPAddress("10.0.0.2"), headers: [("X-Forwarded-For", "1.1.1.1")]) == IPAddress("10.0.0.2"))
        #expect(plain.resolve(peer: nil as IPAddress?, headers: [("X-Forwarded-For", "1.1.1.1")]) == nil)
    }
}
