import AsyncHTTPClient
import HookstreamCore
@testable import HookstreamDelivery
import Testing

/// The policy applied to requests before any connection: names resolved through a fixed
/// table, so nothing here connects anywhere.
@Suite struct OutboundHTTPClientTests {
    struct FixedResolver: HostResolver {
        var table: [String: [String]]
        func addresses(of host: String) async throws -> [IPAddress] {
            (table[host] ?? []).compactMap { IPAddress($0) }
        }
    }

    func client(_ table: [String: [String]], policy: OutboundPolicy = OutboundPolicy()) -> OutboundHTTPClient {
        OutboundHTTPClient(policy: policy, resolver: FixedResolver(table: table))
    }

    func refusal(_ client: OutboundHTTPClient, _ url: String, _ audience: OutboundPolicy.Audience = .organization) async -> String? {
        do {
            _ = try await client.admit(HTTPClientRequest(url: url), audience: audience)
            return nil
        } catch let refusal as OutboundRefusal {
            return refusal.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func aNameResolvingToTheMetadataServiceIsRefused() async throws {
        let c = client(["metadata.test": ["169.254.169.254"], "mixed.test": ["93.184.216.34", "169.254.169.254"]])
        defer { Task { await c.shutdown() } }
        #expect(await refusal(c, "http://metadata.test/latest/meta-data") == "metadata.test resolves to 169.254.169.254 is a link-local address (cloud metadata services answer there)")
        // One bad address is enough: the client could connect to any of them.
        #expect(await refusal(c, "https://mixed.test/hook")?.contains("169.254.169.254") == true)
        #expect(await refusal(c, "http://169.254.169.254/") != nil)
        #expect(await refusal(c, "http://[::ffff:169.254.169.254]/") != nil)
        #expect(await refusal(c, "http://nowhere.test/") == "nowhere.test did not resolve to any address")
        #expect(await refusal(c, "ftp://files.test/") != nil)
    }

    @Test func plainHTTPGoesToTheAddressThatWasChecked() async throws {
        let c = client(["receiver.test": ["::1", "127.0.0.1"]])
        defer { Task { await c.shutdown() } }
        let sent = try await c.admit(HTTPClientRequest(url: "http://receiver.test:8443/hooks/in?x=1#f"), audience: .organization)
        #expect(sent.url == "http://127.0.0.1:8443/hooks/in?x=1#f")
        #expect(sent.headers["host"] == ["receiver.test:8443"])
        let v6 = client(["six.test": ["::1"]])
        defer { Task { await v6.shutdown() } }
        #expect(try await v6.admit(HTTPClientRequest(url: "http://six.test/"), audience: .organization).url == "http://[::1]/")
    }

    @Test func httpsKeepsTheNameForTLS() async throws {
        let c = client(["secure.test": ["93.184.216.34"]])
        defer { Task { await c.shutdown() } }
        let sent = try await c.admit(HTTPClientRequest(url: "https://secure.test/hook"), audience: .organization)
        #expect(sent.url == "https://secure.test/hook")
        #expect(sent.headers["host"].isEmpty)
    }

    @Test func anonymousCallersReachOnlyWhatPublicOutboundAllows() async throws {
        let table = ["public.test": ["93.184.216.34"], "lan.test": ["192.168.1.5"]]
        let publicOnly = client(table, policy: OutboundPolicy(publicOutbound: .public))
        let all = client(table, policy: OutboundPolicy(publicOutbound: .all))
        let off = client(table, policy: OutboundPolicy(publicOutbound: .off))
        defer { Task { await publicOnly.shutdown(); await all.shutdown(); await off.shutdown() } }
        #expect(await refusal(publicOnly, "http://public.test/", .anonymous) == nil)
        #expect(await refusal(publicOnly, "http://lan.test/", .anonymous)?.contains("private") == true)
        #expect(await refusal(publicOnly, "http://lan.test/", .organization) == nil)
        #expect(await refusal(all, "http://lan.test/", .anonymous) == nil)
        #expect(await refusal(all, "http://metadata.test/", .anonymous) != nil)
        #expect(await refusal(off, "http://public.test/", .anonymous)?.contains("--public-outbound off") == true)
        #expect(await refusal(off, "http://public.test/", .organization) == nil)
    }
}
