import HookstreamCore
@testable import HookstreamServer
import Testing

/// The hub's bookkeeping without sockets: channel names, who follows what per tenant, and
/// the per-client send buffer that disconnects a client falling behind.
@Suite struct RealtimeRegistryTests {
    static let acme = Tenant(organizationID: "org_a", environmentID: "env_a")
    static let globex = Tenant(organizationID: "org_g", environmentID: "env_g")
    static let source = "src_0123456789abcdef0123456789abcdef"
    static let destination = "dst_0123456789abcdef0123456789abcdef"
    static let collection = "col_0123456789abcdef0123456789abcdef"

    static func registry(buffer: Int = 100, subscriptions: Int = 10) -> RealtimeRegistry {
        RealtimeRegistry(configuration: .init(maxBufferedBytes: buffer, maxSubscriptions: subscriptions))
    }

    @Test(arguments: [
        ("events", RealtimeChannel.events),
        ("deliveries", .deliveries),
        ("issues", .issues),
        ("events:\(source)", .sourceEvents(source)),
        ("deliveries:\(destination)", .destinationDeliveries(destination)),
        ("collections:\(collection)", .collection(collection)),
    ])
    func parsesEveryDocumentedChannel(name: String, channel: RealtimeChannel) {
        #expect(RealtimeChannel(name: name) == channel)
        #expect(channel.description == name)
    }

    @Test(arguments: [
        "", "event", "Events", "events:", "events:dst_0123456789abcdef0123456789abcdef", "deliveries:src_0123456789abcdef0123456789abcdef",
        "collections:col_xyz", "issues:iss_0123456789abcdef0123456789abcdef", "events:src_0123456789abcdef0123456789abcdef:x", "live-orders",
    ])
    func refusesUnknownChannelsAndIDsOfTheWrongKind(name: String) {
        #expect(RealtimeChannel(name: name) == nil)
    }

    @Test func aNewClientFollowsTheOrganizationWideStreams() {
        var r = Self.registry()
        let id = r.connect(tenant: Self.acme)
        for channel in RealtimeChannel.defaults {
            #expect(r.followers(of: channel, in: Self.acme) == [id])
        }
        #expect(r.followers(of: .sourceEvents(Self.source), in: Self.acme).isEmpty)
        #expect(r.isListening(Self.acme))
        #expect(!r.isListening(Self.globex))
    }

    @Test func followersAreScopedByTenant() {
        var r = Self.registry()
        let a = r.connect(tenant: Self.acme)
        let g = r.connect(tenant: Self.globex)
        let subscribed = r.subscribe(a, to: .sourceEvents(Self.source))
        #expect(subscribed == .subscribed)
        #expect(r.followers(of: .events, in: Self.acme) == [a])
        #expect(r.followers(of: .events, in: Self.globex) == [g])
        // The same channel name in another tenant is another stream.
        #expect(r.followers(of: .sourceEvents(Self.source), in: Self.globex).isEmpty)
        let foreign = r.enqueue(g, bytes: 10, channel: .sourceEvents(Self.source))
        #expect(foreign == .skip)
    }

    @Test func subscribeAndUnsubscribeTable() {
        var r = Self.registry(subscriptions: 4)
        let id = r.connect(tenant: Self.acme)
        let rows: [(String, () -> Bool)] = [
            ("subscribe new", { r.subscribe(id, to: .sourceEvents(Self.source)) == .subscribed }),
            ("subscribe again", { r.subscribe(id, to: .sourceEvents(Self.source)) == .alreadySubscribed }),
            ("fifth channel over the limit", { r.subscribe(id, to: .collection(Self.collection)) == .limitReached }),
            ("unsubscribe a default", { r.unsubscribe(id, from: .issues) }),
            ("unsubscribe twice", { !r.unsubscribe(id, from: .issues) }),
            ("room again after unsubscribing", { r.subscribe(id, to: .collection(Self.collection)) == .subscribed }),
            ("unknown client", { r.subscribe(999, to: .events) == .unknownClient }),
        ]
        for (name, check) in rows { #expect(check(), "\(name)") }
        #expect(r.followers(of: .issues, in: Self.acme).isEmpty)
        #expect(r.followers(of: .collection(Self.collection), in: Self.acme) == [id])
    }

    @Test func disconnectForgetsEverySubscription() {
        var r = Self.registry()
        let id = r.connect(tenant: Self.acme)
        _ = r.subscribe(id, to: .destinationDeliveries(Self.destination))
        let first = r.disconnect(id)
        let second = r.disconnect(id)
        #expect(first && !second)
        #expect(!r.isListening(Self.acme))
        for channel in RealtimeChannel.defaults + [.destinationDeliveries(Self.destination)] {
            #expect(!r.hasFollowers(of: channel, in: Self.acme))
        }
        let gone = r.enqueue(id, bytes: 1, channel: nil)
        #expect(gone == .skip)
    }

    /// The send buffer, step by step: bytes queued and written, the overflow that removes the
    /// client, and the one message an empty buffer always takes.
    @Test func sendBufferTable() {
        var r = Self.registry(buffer: 100)
        let id = r.connect(tenant: Self.acme)
        let steps: [(action: String, bytes: Int, expected: RealtimeRegistry.Enqueued?, buffered: Int?)] = [
            ("enqueue", 250, .send, 250),  // larger than the limit, but the buffer was empty
            ("enqueue", 1, .overflow, nil),  // behind by more than the limit: removed
            ("enqueue", 1, .skip, nil),
        ]
        for step in steps {
            let result = r.enqueue(id, bytes: step.bytes, channel: .events)
            #expect(result == step.expected, "\(step)")
            #expect(r.clients[id]?.buffered == step.buffered, "\(step)")
        }
        #expect(!r.isListening(Self.acme))

        let other = r.connect(tenant: Self.acme)
        let table: [(String, Int, RealtimeRegistry.Enqueued?, Int)] = [
            ("enqueue", 60, .send, 60),
            ("enqueue", 40, .send, 100),  // exactly at the limit
            ("sent", 70, nil, 30),
            ("enqueue", 70, .send, 100),
            ("sent", 500, nil, 0),  // never below zero
            ("enqueue", 30, .send, 30),
        ]
        for (action, bytes, expected, buffered) in table {
            if action == "sent" {
                r.sent(other, bytes: bytes)
            } else {
                let result = r.enqueue(other, bytes: bytes, channel: nil)
                #expect(result == expected, "\(action) \(bytes)")
            }
            #expect(r.clients[other]?.buffered == buffered, "\(action) \(bytes)")
        }
    }

    @Test func aMessageForAChannelLeftMeanwhileIsSkipped() {
        var r = Self.registry()
        let id = r.connect(tenant: Self.acme)
        let left = r.unsubscribe(id, from: .events)
        #expect(left)
        let results = [r.enqueue(id, bytes: 10, channel: .events), r.enqueue(id, bytes: 10, channel: .deliveries), r.enqueue(id, bytes: 10, channel: nil)]
        #expect(results == [.skip, .send, .send])
    }

    @Test(arguments: [
        (#"{"type":"subscribe","channel":"events"}"#, RealtimeRequest.subscribe(.events)),
        (#"{"type":"unsubscribe","channel":"issues"}"#, .unsubscribe(.issues)),
        (#"{"type":"pong"}"#, .pong),
        (#"{"type":"ping","extra":1}"#, .ping),
    ])
    func parsesClientMessages(text: String, expected: RealtimeRequest) throws {
        #expect(try RealtimeRequest.parse(text).get() == expected)
    }

    @Test(arguments: [
        ("not json", nil),
        ("[1]", nil),
        (#"{"channel":"events"}"#, nil),
        (#"{"type":"subscribe"}"#, nil),
        (#"{"type":"subscribe","channel":"nope"}"#, "nope"),
        (#"{"type":"dance"}"#, nil),
    ] as [(String, String?)])
    func refusesMalformedClientMessages(text: String, channel: String?) {
        guard case .failure(let refusal) = RealtimeRequest.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(refusal.status == 400)
        #expect(refusal.channel == channel)
    }
}
