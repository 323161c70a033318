import HookstreamCore
import Testing

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("0.0.0.0", "0.0.0.0"), ("192.168.1.1", "192.168.1.1"), ("255.255.255.255", "255.255.255.255"),
        ("::", "::"), ("::1", "::1"), ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1::", "1::"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"), ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"), ("fe80::1:0:0:1", "fe80::1:0:0:1"),
    ])
    func parsesAndPrintsCanonically(input: String, canonical: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.-1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
        "a.b.c.d", "1.2.3.4/24", "1.2.3.0x1", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", ":1::2", "1::2:",
        "12345::", "g::", "::1%eth0", "1:2:3:4:5:6:7", "::1.2.3", "::1.2.3.4.5", "1.2.3.4::",
        "1:2:3:4:5:6:7:1.2.3.4", "localhost", "[::1]",
    ])
    func rejectsGarbage(input: String) {
        #expect(IPAddress(input) == nil, "\(input)")
    }

    @Test func mappedAddressesUnmapToIPv4() {
        #expect(IPAddress("::ffff:1.2.3.4")?.unmapped == IPAddress("1.2.3.4"))
        #expect(IPAddress("::ffff:0102:0304")?.unmapped == IPAddress("1.2.3.4"))
        #expect(IPAddress("::1")?.unmapped == IPAddress("::1"))
        #expect(IPAddress("1.2.3.4")?.unmapped == IPAddress("1.2.3.4"))
    }

    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4"), (" 1.2.3.4 ", "1.2.3.4"), ("1.2.3.4:8080", "1.2.3.4"),
        ("[2001:db8::1]", "2001:db8::1"), ("[2001:db8::1]:443", "2001:db8::1"), ("2001:db8::1", "2001:db8::1"),
    ])
    func forwardedForms(input: String, expected: String) {
        #expect(IPAddress(forwarded: input) == IPAddress(expected))
    }

    @Test(arguments: ["unknown", "_hidden", "[::1", "[::1]x", "1.2.3.4:http", ""])
    func forwardedGarbage(input: String) {
        #expect(IPAddress(forwarded: input) == nil)
    }
}
