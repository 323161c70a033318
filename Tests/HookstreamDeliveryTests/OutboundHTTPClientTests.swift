import AsyncHTTPClient
import Foundation
import HookstreamCore
@testable import HookstreamDelivery
import HookstreamTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
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
        // …and its connection is pinned to the checked address.
        let pin = try await c.route(HTTPClientRequest(url: "https://secure.test/hook"), audience: .organization).pin
        #expect(pin == PinnedClients.Pin(host: "secure.test", address: IPAddress("93.184.216.34")!))
        #expect(try await c.route(HTTPClientRequest(url: "https://93.184.216.34/hook"), audience: .organization).pin == nil)
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

    /// A name that answers loopback once, then the metadata address: what an attacker's DNS
    /// does between a check and a connect.
    final class RebindingResolver: HostResolver {
        let lookups = Mutex(0)
        func addresses(of host: String) async throws -> [IPAddress] {
            let n = lookups.withLock { count -> Int in
                count += 1
                return count
            }
            return [IPAddress(n == 1 ? "127.0.0.1" : "169.254.169.254")!]
        }
    }

    @Test func aRebindingNameReachesOnlyTheAddressThatWasChecked() async throws {
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let port = try #require(receiver.url.split(separator: ":").last)
        let resolver = RebindingResolver()
        let c = OutboundHTTPClient(policy: OutboundPolicy(), resolver: resolver)
        defer { Task { await c.shutdown() } }
        var request = HTTPClientRequest(url: "http://rebind.test:\(port)/hook")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "{}"))

        // One lookup, and the request went to its answer: the client never resolved
        // rebind.test itself (the system resolver knows no such name), so nothing could
        // re-resolve it to the second answer between the check and the connect.
        let response = try await c.execute(request, timeout: .seconds(20), audience: .organization)
        #expect(response.status.code == 200)
        #expect(resolver.lookups.withLock { $0 } == 1)
        let received = try await receiver.waitFor(count: 1)
        #expect(received[0].headers["host"] == "rebind.test:\(port)")

        // The next send looks the name up again and is refused on the new answer.
        await #expect(throws: OutboundRefusal.self) { try await c.execute(request, timeout: .seconds(20), audience: .organization) }
        #expect(resolver.lookups.withLock { $0 } == 2)
        #expect(receiver.requests.count == 1)
    }

    /// A loopback listener that keeps what its connections send (here a TLS ClientHello, whose
    /// server name travels in clear) and closes a connection once `name` is among its bytes.
    final class ClientHelloListener: Sendable {
        final class Bytes: Sendable {
            let name: [UInt8]
            let all = Mutex<[UInt8]>([])
            init(name: String) { self.name = Array(name.utf8) }

            /// Adds `bytes`; true once the name has arrived.
            func add(_ bytes: some Sequence<UInt8>) -> Bool {
                all.withLock { all in
                    all += bytes
                    return hasName(all)
                }
            }

            func hasName(_ all: [UInt8]) -> Bool {
                all.count >= name.count && (0...(all.count - name.count)).contains { all[$0..<($0 + name.count)].elementsEqual(name) }
            }

            var sawName: Bool { all.withLock { hasName($0) } }
        }

        final class Recorder: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            let bytes: Bytes
            init(_ bytes: Bytes) { self.bytes = bytes }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                if bytes.add(unwrapInboundIn(data).readableBytesView) { context.close(promise: nil) }
            }
        }

        let bytes: Bytes
        let channel: any Channel
        var port: Int { channel.localAddress?.port ?? 0 }

        init(waitingFor name: String) async throws {
            let bytes = Bytes(name: name)
            self.bytes = bytes
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Recorder(bytes)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() { channel.close(promise: nil) }
    }

    @Test func httpsConnectsToTheCheckedAddressAndStillSendsTheNameForTLS() async throws {
        let listener = try await ClientHelloListener(waitingFor: "rebind-tls.test")
        defer { listener.stop() }
        let resolver = RebindingResolver()
        let c = OutboundHTTPClient(policy: OutboundPolicy(), resolver: resolver)
        defer { Task { await c.shutdown() } }
        let request = HTTPClientRequest(url: "https://rebind-tls.test:\(listener.port)/hook")

        // The name only ever resolved through the resolver: a handshake reaching the loopback
        // listener went to its first, checked answer, and asked for the name's certificate.
        let sent = Task { try await c.execute(request, timeout: .seconds(20), audience: .organization) }
        let deadline = ContinuousClock.now + .seconds(20)
        while !listener.bytes.sawName, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(listener.bytes.sawName)
        // The listener speaks no TLS: the request fails once it closes the connection.
        await #expect(throws: (any Error).self) { try await sent.value }
        #expect(resolver.lookups.withLock { $0 } == 1)

        // The name now resolves to the metadata address: refused before any connection.
        await #expect(throws: OutboundRefusal.self) { try await c.execute(request, timeout: .seconds(20), audience: .organization) }
    }

    @Test func pinnedClientsAreReusedAndRetiredOnlyWhenLongUnused() async throws {
        let made = Mutex(0)
        let clients = PinnedClients(capacity: 2) { _ in
            made.withLock { $0 += 1 }
            return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        }
        let start = Date()
        let a = PinnedClients.Pin(host: "a.test", address: IPAddress("127.0.0.1")!)
        let moved = PinnedClients.Pin(host: "a.test", address: IPAddress("127.0.0.2")!)
        let b = PinnedClients.Pin(host: "b.test", address: IPAddress("127.0.0.1")!)
        #expect(clients.client(for: a, now: start) === clients.client(for: a, now: start))
        // A name at a new address is a new client: its connections go to the new address only.
        #expect(clients.client(for: moved, now: start) !== clients.client(for: a, now: start))
        #expect(made.withLock { $0 } == 2)
        // Full, but everything is recent: nothing is shut down under a request.
        _ = clients.client(for: b, now: start.addingTimeInterval(60))
        #expect(clients.count == 3)
        // Long unused ones go when the next client is made; the recently used one stays.
        _ = clients.client(for: b, now: start.addingTimeInterval(PinnedClients.retirement + 30))
        _ = clients.client(for: PinnedClients.Pin(host: "c.test", address: IPAddress("127.0.0.1")!), now: start.addingTimeInterval(PinnedClients.retirement + 30))
        #expect(clients.count == 2)
        await clients.shutdown()
        #expect(clients.count == 0)
    }

    func redirected(_ url: String = "https://a.test/hook", method: HTTPMethod = .POST, status: Int, to location: String?) -> HTTPClientRequest? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer receiver-token")
        request.headers.add(name: "X-Hookstream-Signature", value: "v1=abc")
        request.body = .bytes(ByteBuffer(string: "{}"))
        return OutboundRedirect.next(from: request, status: status, location: location)
    }

    @Test func redirectsKeepTheWebhookExceptA303() throws {
        for status in [301, 302, 307, 308] {
            let next = try #require(redirected(status: status, to: "/moved?x=1"))
            #expect(next.url == "https://a.test/moved?x=1")
            #expect(next.method == .POST)
            #expect(next.body != nil)
            #expect(next.headers["Content-Type"] == ["application/json"])
            #expect(next.headers["Authorization"] == ["Bearer receiver-token"])
        }
        // 303: the request was handled; its answer is fetched with a GET.
        let seeOther = try #require(redirected(status: 303, to: "https://a.test/status/1"))
        #expect(seeOther.method == .GET)
        #expect(seeOther.body == nil)
        #expect(seeOther.headers["Content-Type"].isEmpty)
        #expect(redirected(method: .HEAD, status: 303, to: "/s")?.method == .HEAD)
        // Another origin gets the signature (its receiver verifies it), not the credentials.
        let elsewhere = try #require(redirected(status: 308, to: "https://b.test/hook"))
        #expect(elsewhere.headers["Authorization"].isEmpty)
        #expect(elsewhere.headers["X-Hookstream-Signature"] == ["v1=abc"])
        #expect(redirected(status: 308, to: "http://a.test/hook")?.headers["Authorization"].isEmpty == true)
        #expect(redirected(status: 308, to: "https://a.test:443/other")?.headers["Authorization"] == ["Bearer receiver-token"])
        // Not a redirect to follow: the answer stands.
        #expect(redirected(status: 300, to: "/choices") == nil)
        #expect(redirected(status: 304, to: "/cached") == nil)
        #expect(redirected(status: 302, to: nil) == nil)
        #expect(redirected(status: 302, to: "ftp://files.test/x") == nil)
    }
}
