import HookstreamCore
import JSONValue
import Testing

@Suite struct IPRangeTests {
    @Test(arguments: [
        ("192.168.1.0/24", "192.168.1.77", true), ("192.168.1.0/24", "192.168.2.1", false),
        ("10.0.0.0/16", "10.0.255.255", true), ("10.0.0.0/16", "10.1.0.0", false),
        ("0.0.0.0/0", "203.0.113.9", true), ("192.168.1.1", "192.168.1.1", true), ("192.168.1.1", "192.168.1.2", false),
        ("10.1.2.3/8", "10.200.0.1", true), ("10.0.0.0/32", "10.0.0.0", true), ("10.0.0.0/31", "10.0.0.1", true),
        ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("::/0", "::1", true), ("::/0", "1.2.3.4", true), ("::1/128", "::1", true), ("fe80::/10", "febf::1", true),
        ("fe80::/10", "fec0::1", false),
        // IPv4-mapped IPv6 matches IPv4 ranges, and IPv4 matches mapped IPv6 ranges.
        ("1.2.3.0/24", "::ffff:1.2.3.4", true), ("1.2.3.0/24", "::ffff:1.2.4.4", false),
        ("::ffff:10.0.0.0/104", "10.9.8.7", true), ("::ffff:10.0.0.0/104", "11.0.0.1", false),
        ("1.2.3.0/24", "::1", false), ("2001:db8::/32", "1.2.3.4", false),
    ])
    func containment(range: String, address: String, expected: Bool) throws {
        let parsed = try #require(IPRange(range))
        let ip = try #require(IPAddress(address))
        #expect(parsed.contains(ip) == expected)
    }

    @Test(arguments: [
        "10.0.0.0/33", "::1/129", "1.2.3.256", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/08", "1.2.3.4/8/8",
        "1.2.3.4/ 8", "/8", "garbage", "1.2.3.4/a", "10.0.0.0/1000",
    ])
    func rejectsInvalidRanges(input: String) {
        #expect(IPRange(input) == nil, "\(input)")
    }

    @Test func canonicalText() {
        #expect(IPRange("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(IPRange("192.168.1.1")?.description == "192.168.1.1")
        #expect(IPRange("192.168.1.1/32")?.description == "192.168.1.1")
        #expect(IPRange("2001:DB8::1/32")?.description == "2001:db8::/32")
        #expect(IPRange("::1")?.description == "::1")
    }

    @Test func listsFromArraysOrCommaSeparatedStrings() throws {
        let fromString = try IPRangeList.parse(.string("54.187.174.169, 54.187.205.235,10.0.0.0/16,"), field: "ip_allowlist")
        #expect(fromString.entries == ["54.187.174.169", "54.187.205.235", "10.0.0.0/16"])
        let fromArray = try IPRangeList.parse(["54.187.174.169", "10.0.0.0/16", "2001:db8::/32"] as JSON, field: "ip_allowlist")
        #expect(fromArray.entries == ["54.187.174.169", "10.0.0.0/16", "2001:db8::/32"])
        #expect(try IPRangeList.parse(nil, field: "ip_denylist").isEmpty)
        #expect(try IPRangeList.parse(.null, field: "ip_denylist").isEmpty)
        #expect(try IPRangeList.parse(.string(""), field: "ip_denylist").isEmpty)
        #expect(try IPRangeList.parse([] as JSON, field: "ip_denylist").isEmpty)
        let stored = try IPRangeList.parse(["10.0.0.0/8", "1.2.3.4, 5.6.7.8"] as [String], field: "ip_allowlist")
        #expect(stored.entries == ["10.0.0.0/8", "1.2.3.4", "5.6.7.8"])
    }

    @Test func invalidEntriesAreNamed() {
        #expect(throws: PolicyValidationError(
            field: "ip_allowlist",
            message: #"ip_allowlist contains an invalid IP address or CIDR range: "10.0.0.0/33""#
        )) { try IPRangeList.parse(["1.2.3.4", "10.0.0.0/33"] as JSON, field: "ip_allowlist") }
        #expect(throws: PolicyValidationError(
            field: "ip_denylist",
            message: #"ip_denylist contains an invalid IP address or CIDR range: "1.2.3.256""#
        )) { try IPRangeList.parse(.string("1.2.3.4, 1.2.3.256"), field: "ip_denylist") }
        #expect(throws: PolicyValidationError.self) { try IPRangeList.parse([1, 2] as JSON, field: "ip_allowlist") }
        #expect(throws: PolicyValidationError.self) { try IPRangeList.parse(.number(5), field: "ip_allowlist") }
        #expect(throws: PolicyValidationError.self) { try IPRangeList.parse(.bool(true), field: "ip_allowlist") }
    }
}
