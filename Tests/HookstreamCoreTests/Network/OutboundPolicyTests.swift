import HookstreamCore
import Testing

@Suite struct OutboundPolicyTests {
    typealias Audience = OutboundPolicy.Audience

    /// (address, default policy for the organization, --deny-private-destinations,
    ///  anonymous with public, anonymous with all)
    @Test(arguments: [
        ("169.254.169.254", false, false, false, false),
        ("fe80::1", false, false, false, false),
        ("::ffff:169.254.169.254", false, false, false, false),
        ("0.0.0.0", false, false, false, false),
        ("224.0.0.1", false, false, false, false),
        ("127.0.0.1", true, false, false, true),
        ("::1", true, false, false, true),
        ("10.1.2.3", true, false, false, true),
        ("172.20.0.1", true, false, false, true),
        ("192.168.1.10", true, false, false, true),
        ("100.64.0.1", true, false, false, true),
        ("fd12::1", true, false, false, true),
        ("93.184.216.34", true, true, true, true),
        ("2606:4700::1111", true, true, true, true),
        ("::ffff:10.0.0.1", true, false, false, true),
    ])
    func decidesEachAddressForEachCaller(_ text: String, _ organization: Bool, _ denyPrivate: Bool, _ anonymousPublic: Bool, _ anonymousAll: Bool) throws {
        let address = try #require(IPAddress(text))
        #expect((OutboundPolicy().refusal(address, for: .organization) == nil) == organization)
        #expect((OutboundPolicy(denyPrivate: true).refusal(address, for: .organization) == nil) == denyPrivate)
        #expect((OutboundPolicy(publicOutbound: .public).refusal(address, for: .anonymous) == nil) == anonymousPublic)
        #expect((OutboundPolicy(publicOutbound: .all).refusal(address, for: .anonymous) == nil) == anonymousAll)
        // The stricter setting wins for anonymous callers too.
        #expect((OutboundPolicy(denyPrivate: true, publicOutbound: .all).refusal(address, for: .anonymous) == nil) == denyPrivate)
    }

    @Test func offRefusesAnonymousCallersEverywhereButNotTheOrganization() throws {
        let policy = OutboundPolicy(publicOutbound: .off)
        let reason = try #require(policy.refusal(for: .anonymous))
        #expect(reason.contains("--public-outbound off"))
        #expect(policy.refusal(try #require(IPAddress("93.184.216.34")), for: .anonymous) != nil)
        #expect(policy.refusal(for: .organization) == nil)
        #expect(policy.refusal(try #require(IPAddress("93.184.216.34")), for: .organization) == nil)
    }

    @Test func reasonsNameTheAddressAndTheSetting() throws {
        let metadataAddress = try #require(IPAddress("169.254.169.254"))
        let loopbackAddress = try #require(IPAddress("127.0.0.1"))
        #expect(OutboundPolicy().refusal(metadataAddress, for: .organization) == "169.254.169.254 is a link-local address (cloud metadata services answer there)")
        let loopback = OutboundPolicy(denyPrivate: true).refusal(loopbackAddress, for: .organization)
        #expect(loopback?.contains("--deny-private-destinations") == true)
    }

    @Test(arguments: [
        ("169.254.169.254", OutboundPolicy(), false),
        ("[fe80::1]", OutboundPolicy(), false),
        ("localhost", OutboundPolicy(), true),
        ("localhost", OutboundPolicy(denyPrivate: true), false),
        ("api.localhost.", OutboundPolicy(denyPrivate: true), false),
        ("127.0.0.1", OutboundPolicy(denyPrivate: true), false),
        ("hooks.example.com", OutboundPolicy(denyPrivate: true), true),
    ])
    func judgesWhatAHostAloneShowsWhenAURLIsSaved(_ host: String, _ policy: OutboundPolicy, _ allowed: Bool) {
        #expect((policy.refusal(host: host, for: .organization) == nil) == allowed)
    }
}

@Suite struct ForwardedHeadersTests {
    @Test func dropsHopByHopHeadersAndWhatConnectionNames() {
        let kept = ForwardedHeaders.filter([
            ("Content-Type", "application/json"), ("Connection", "keep-alive, X-Private-Hop"), ("Keep-Alive", "timeout=5"),
            ("X-Private-Hop", "1"), ("Transfer-Encoding", "chunked"), ("Host", "gateway"), ("Content-Length", "12"),
            ("Stripe-Signature", "t=1,v1=abc"), ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Authorization", "Basic x"),
        ])
        #expect(kept.map(\.name) == ["Content-Type", "Stripe-Signature"])
    }
}
