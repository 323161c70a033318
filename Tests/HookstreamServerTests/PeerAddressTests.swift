import HookstreamCore
import HookstreamServer
import NIOCore
import Testing

/// The request context reads the TCP peer straight from the socket address's bytes.
@Suite struct PeerAddressTests {
    @Test(arguments: ["127.0.0.1", "203.0.113.250", "::1", "2001:db8::8a2e:370:7334", "::ffff:198.51.100.7"])
    func socketAddressBytesMatchTheParsedText(_ text: String) throws {
        let socket = try SocketAddress(ipAddress: text, port: 443)
        #expect(IPAddress(socketAddress: socket) == IPAddress(text))
    }

    @Test func unixSocketHasNoAddress() throws {
        let socket = try SocketAddress(unixDomainSocketPath: "/tmp/hookstream-peer-test.sock")
        #expect(IPAddress(socketAddress: socket) == nil)
    }
}
