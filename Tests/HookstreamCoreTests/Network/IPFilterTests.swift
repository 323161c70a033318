import HookstreamCore
import Testing

@Suite struct IPFilterTests {
    func filter(allow: String, deny: String) throws -> IPFilter {
        IPFilter(
            allowlist: try IPRangeList.parse(allow, field: "ip_allowlist"),
            denylist: try IPRangeList.parse(deny, field: "ip_denylist")
        )
    }

    @Test(arguments: [
        // allowlist, denylist, client, allowed
        ("", "", "203.0.113.9", true),
        ("", "203.0.113.0/24", "203.0.113.9", false),
        ("", "203.0.113.0/24", "198.51.100.1", true),
        ("10.0.0.0/8", "", "10.1.1.1", true),
        ("10.0.0.0/8", "", "11.1.1.1", false),
        // The denylist wins over the allowlist.
        ("10.0.0.0/8", "10.6.6.0/24", "10.6.6.6", false),
        ("10.0.0.0/8", "10.6.6.0/24", "10.6.7.6", true),
        ("1.2.3.4", "", "::ffff:1.2.3.4", true),
        ("", "1.2.3.4", "::ffff:1.2.3.4", false),
        ("2001:db8::/32", "", "2001:db8::5", true),
        ("2001:db8::/32", "", "10.0.0.1", false),
    ])
    func evaluation(allow: String, deny: String, client: String, allowed: Bool) throws {
        let decision = try filter(allow: allow, deny: deny).evaluate(IPAddress(client))
        #expect((decision == .allowed) == allowed)
    }

    @Test func reasons() throws {
        let filter = try filter(allow: "10.0.0.0/8", deny: "10.6.6.6")
        #expect(filter.evaluate(IPAddress("10.6.6.6")) == .denied(reason: "IP address 10.6.6.6 is in the source's denylist"))
        #expect(filter.evaluate(IPAddress("::ffff:8.8.8.8")) == .denied(reason: "IP address 8.8.8.8 is not in the source's allowlist"))
        #expect(filter.evaluate(nil) == .denied(reason: "client IP address is unknown and the source has an allowlist"))
        #expect(IPFilter().evaluate(nil) == .allowed)
        #expect(IPFilter().isEmpty)
    }
}
