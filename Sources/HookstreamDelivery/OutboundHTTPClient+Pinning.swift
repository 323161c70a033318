import AsyncHTTPClient
import Foundation
import HookstreamCore
import NIOConcurrencyHelpers

/// The HTTP clients that send `https` requests to the address the outbound policy checked.
///
/// TLS needs the name in the URL (SNI, the certificate check), so the address cannot replace
/// it as it does for plain `http`. AsyncHTTPClient's `dnsOverride` connects to another
/// address while still asking for and verifying the name's certificate, but it is a setting
/// of the whole client; so there is one client per name and checked address, each with its
/// own connection pool. A name whose lookup moves to a new address gets a new client, and its
/// connections never go anywhere unchecked.
///
/// A client unused for ``retirement`` is shut down when the table is full (256 by default),
/// not before: that is longer than any request may take (the longest timeout is 300 s), so no
/// client is shut down under a request still reading its answer. The table can grow past its
/// capacity while every client in it is still recent.
final class PinnedClients: Sendable {
    struct Pin: Hashable, Sendable {
        var host: String
        var address: IPAddress
    }

    static let retirement: TimeInterval = 600

    private let capacity: Int
    private let make: @Sendable (Pin) -> HTTPClient
    private let entries = NIOLockedValueBox([Pin: (client: HTTPClient, lastUsed: Date)]())

    init(capacity: Int = 256, make: @escaping @Sendable (Pin) -> HTTPClient) {
        self.capacity = capacity
        self.make = make
    }

    var count: Int { entries.withLockedValue(\.count) }

    func client(for pin: Pin, now: Date = Date()) -> HTTPClient {
        let (client, retired) = entries.withLockedValue { entries -> (HTTPClient, [HTTPClient]) in
            if let entry = entries[pin] {
                entries[pin] = (entry.client, now)
                return (entry.client, [])
            }
            var retired: [HTTPClient] = []
            if entries.count >= capacity {
                for (old, entry) in entries where now.timeIntervalSince(entry.lastUsed) > Self.retirement {
                    retired.append(entry.client)
                    entries[old] = nil
                }
            }
            let client = make(pin)
            entries[pin] = (client, now)
            return (client, retired)
        }
        for old in retired { Task { try? await old.shutdown() } }
        return client
    }

    func shutdown() async {
        let all = entries.withLockedValue { entries in
            defer { entries = [:] }
            return entries.values.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }
}
