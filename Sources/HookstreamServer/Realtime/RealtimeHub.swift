import Foundation
public import HookstreamCore
import JSONValue
import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// Fans what happens in a tenant (events, delivery attempts, issues, collection syncs) out to
/// the WebSocket clients following it.
///
/// Publishing never waits for a client and costs one atomic load when nobody is connected:
/// ``publish(_:on:tenant:weight:render:)`` runs on hot paths (after ingest's commit, after each
/// delivery result is recorded), so it only checks that someone follows one of the channels and
/// queues the publication; this service's loop renders it (once, however many channels and
/// clients it goes to) and hands the bytes to each follower's outbox. A client's writer task
/// drains its outbox into its socket; what it has not written yet is accounted by
/// ``RealtimeRegistry``, which disconnects a client that falls too far behind instead of
/// letting it hold anything up. The publication queue is bounded too (by the bytes its
/// pending renders hold): when the loop cannot keep up, the clients that would miss a message
/// are disconnected, so a connected client never silently skips one.
///
/// Heartbeat: every `heartbeatSeconds` (on the injected clock) each client gets
/// `{"type":"ping"}`; protocol-level pings at the same period (the WebSocket layer's) drop
/// clients that stop answering.
public final class RealtimeHub: Service, Sendable {
    public struct Configuration: Sendable {
        public var heartbeatSeconds: Double
        /// Unsent bytes a client may have waiting before it is disconnected.
        public var maxBufferedBytes: Int
        public var maxSubscriptions: Int
        /// Bytes the publications waiting to be rendered may hold.
        public var maxQueuedBytes: Int

        public init(heartbeatSeconds: Double = 30, maxBufferedBytes: Int = 1 << 20, maxSubscriptions: Int = 100, maxQueuedBytes: Int = 32 << 20) {
            self.heartbeatSeconds = heartbeatSeconds
            self.maxBufferedBytes = maxBufferedBytes
            self.maxSubscriptions = maxSubscriptions
            self.maxQueuedBytes = maxQueuedBytes
        }
    }

    typealias ClientID = RealtimeRegistry.ClientID

    /// A connection's outgoing side: the queue its writer drains, and how to cut it off.
    struct Outbox: Sendable {
        let queue: BatchQueue<ByteBuffer>
        let close: @Sendable () -> Void
    }

    struct Publication: Sendable {
        var type: String
        var channels: [RealtimeChannel]
        var tenant: Tenant
        var weight: Int
        var render: @Sendable () async throws -> [UInt8]?
    }

    /// How a connection the server ends on purpose is closed: its close frame's code and reason.
    struct Farewell: Sendable, Equatable {
        var code: UInt16
        var reason: String
    }

    private struct State {
        var registry: RealtimeRegistry
        var outboxes: [ClientID: Outbox] = [:]
        /// Connections ended with ``RealtimeHub/end(followersOf:in:lastMessage:farewell:)``
        /// whose writer has not closed them yet.
        var farewells: [ClientID: Farewell] = [:]
        var queuedBytes = 0
    }

    public let configuration: Configuration
    private let state: Mutex<State>
    private let connected = Atomic<Int>(0)
    private let clock: any GatewayClock
    private let logger: Logger
    private let instruments: GatewayMetrics.Instruments?
    private let queue = BatchQueue<Publication>()
    /// Where publications go to reach the other nodes' clients (a shared database); nil when
    /// this node holds every client.
    let relay: RealtimeRelayQueue?

    init(
        configuration: Configuration, clock: any GatewayClock, logger: Logger, instruments: GatewayMetrics.Instruments? = nil,
        relay: RealtimeRelayQueue? = nil
    ) {
        self.configuration = configuration
        self.relay = relay
        self.instruments = instruments
        self.clock = clock
        self.logger = logger
        state = Mutex(
            State(
                registry: RealtimeRegistry(
                    configuration: .init(maxBufferedBytes: configuration.maxBufferedBytes, maxSubscriptions: configuration.maxSubscriptions))))
    }

    /// Clients connected to this node.
    public var clientCount: Int { connected.load(ordering: .relaxed) }

    /// Whether a publication can reach anyone: a client of this node, or the other nodes.
    var isPublishing: Bool { relay != nil || connected.load(ordering: .relaxed) > 0 }

    // MARK: - Publishing

    /// Sends `{type, channel, data}` to the tenant's clients following each of `channels`.
    /// Returns at once; `render` (the resource's JSON as the REST API shows it, or `nil` to
    /// send nothing) runs later on the hub's loop, and only if someone follows.
    /// - Parameters:
    ///   - weight: about how many bytes `render` keeps alive until it runs (a body it
    ///     captured), counted against the queue's bound.
    ///   - subject: what the publication is about, by ID, for the other nodes sharing the
    ///     database to render it for their clients (`RealtimeRelay`); nil for a publication
    ///     that stays on this node (one relayed from another).
    ///
    /// ```swift
    /// hub.publish("sync", on: [.collection(collection.id)], tenant: collection.tenant) { record.serializedBytes() }
    /// ```
    public func publish(
        _ type: String, on channels: [RealtimeChannel], tenant: Tenant, weight: Int = 1024, subject: RealtimeSubject? = nil,
        render: @escaping @Sendable () async throws -> [UInt8]?
    ) {
        if let relay, let subject { relay.append(RealtimeRelayItem(type: type, channels: channels, tenant: tenant, subject: subject)) }
        guard connected.load(ordering: .relaxed) > 0 else { return }
        let cut = state.withLock { s -> [Outbox] in
            guard s.registry.isListening(tenant), channels.contains(where: { s.registry.hasFollowers(of: $0, in: tenant) }) else { return [] }
            if s.queuedBytes + weight > configuration.maxQueuedBytes && s.queuedBytes > 0 {
                // The loop is behind: whoever would receive this gets disconnected rather
                // than a stream with a hole in it.
                let missing = Set(channels.flatMap { s.registry.followers(of: $0, in: tenant) })
                return missing.compactMap { Self.remove($0, from: &s) }
            }
            s.queuedBytes += weight
            queue.append(Publication(type: type, channels: channels, tenant: tenant, weight: weight, render: render))
            return []
        }
        cutOff(cut, reason: "queue_full")
    }

    /// ``publish(_:on:tenant:weight:render:)`` with data already in hand.
    public func publish(_ type: String, on channels: [RealtimeChannel], tenant: Tenant, data: JSON, subject: RealtimeSubject? = nil) {
        publish(type, on: channels, tenant: tenant, subject: subject) { data.serializedBytes() }
    }

    /// Whether anyone in the tenant follows `channel` (lets a publisher skip preparing work).
    public func isFollowed(_ channel: RealtimeChannel, in tenant: Tenant) -> Bool {
        guard connected.load(ordering: .relaxed) > 0 else { return false }
        return state.withLock { $0.registry.hasFollowers(of: channel, in: tenant) }
    }

    /// How many of the tenant's clients follow `channel` right now.
    public func followerCount(of channel: RealtimeChannel, in tenant: Tenant) -> Int {
        guard connected.load(ordering: .relaxed) > 0 else { return 0 }
        return state.withLock { $0.registry.followers(of: channel, in: tenant).count }
    }

    // MARK: - Connections

    /// Registers a connection following the default channels, with its welcome queued.
    /// - Parameter close: cuts the connection off (overflow, publication queue full).
    /// - Returns: the client's ID and what to write to it, in order: each a whole encoded
    ///   frame (``WebSocketTextFrame``).
    /// - Parameters:
    ///   - channels: what it follows from the start (a test session's feed: its one source).
    ///   - welcome: the first message, when not the ordinary welcome.
    func connect(
        tenant: Tenant, channels: [RealtimeChannel] = RealtimeChannel.defaults, welcome: JSON? = nil, close: @escaping @Sendable () -> Void
    ) -> (ClientID, BatchQueue<ByteBuffer>) {
        let outgoing = BatchQueue<ByteBuffer>()
        let id = state.withLock { s in
            let id = s.registry.connect(tenant: tenant, channels: channels)
            s.outboxes[id] = Outbox(queue: outgoing, close: close)
            return id
        }
        connected.add(1, ordering: .relaxed)
        instruments?.realtimeClients.increment()
        send(welcome ?? RealtimeMessage.welcome(tenant: tenant, channels: channels, heartbeatSeconds: configuration.heartbeatSeconds), to: id)
        return (id, outgoing)
    }

    func disconnect(_ id: ClientID) {
        let outbox = state.withLock { Self.remove(id, from: &$0) }
        outbox?.queue.finish()
    }

    func subscribe(_ id: ClientID, to channel: RealtimeChannel) -> RealtimeRegistry.SubscribeResult {
        state.withLock { $0.registry.subscribe(id, to: channel) }
    }

    @discardableResult
    func unsubscribe(_ id: ClientID, from channel: RealtimeChannel) -> Bool {
        state.withLock { $0.registry.unsubscribe(id, from: channel) }
    }

    /// Queues one of the connection's own messages (welcome, ack, error, ping).
    func send(_ message: JSON, to id: ClientID) {
        offer(WebSocketTextFrame.encode(message.serializedBytes()), to: [id], channel: nil)
    }

    /// The connection's writer put `bytes` on the wire.
    func sent(_ id: ClientID, bytes: Int) {
        state.withLock { $0.registry.sent(id, bytes: bytes) }
    }

    /// Removes the client, decrementing the count once; returns its outbox when it was there.
    private static func remove(_ id: ClientID, from s: inout State) -> Outbox? {
        s.registry.disconnect(id)
        return s.outboxes.removeValue(forKey: id)
    }

    /// Queues `buffer` for each client (one buffer, shared storage); a client that overflows
    /// is removed and cut off.
    private func offer(_ buffer: ByteBuffer, to ids: [ClientID], channel: RealtimeChannel?) {
        let cut = state.withLock { s -> [Outbox] in
            var cut: [Outbox] = []
            for id in ids {
                switch s.registry.enqueue(id, bytes: buffer.readableBytes, channel: channel) {
                case .send: s.outboxes[id]?.queue.append(buffer)
                case .overflow: if let outbox = s.outboxes.removeValue(forKey: id) { cut.append(outbox) }
                case .skip: break
                }
            }
            return cut
        }
        cutOff(cut, reason: "overflow")
    }

    private func cutOff(_ outboxes: [Outbox], reason: String) {
        guard !outboxes.isEmpty else { return }
        logger.info("real-time clients disconnected", metadata: ["clients": "\(outboxes.count)", "reason": "\(reason)"])
        instruments?.counter(.realtimeDisconnects, [("reason", reason)]).increment(by: Int64(outboxes.count))
        for outbox in outboxes {
            outbox.queue.finish()
            outbox.close()
        }
    }

    /// Ends every connection of `tenant` following `channel` (a test session's feeds when it is
    /// claimed or deleted): each gets `lastMessage` after what it was already sent, then a close
    /// frame with `farewell` — a clear ending, where a cut-off connection just drops.
    /// - Returns: how many connections were ended.
    @discardableResult
    func end(followersOf channel: RealtimeChannel, in tenant: Tenant, lastMessage: JSON, farewell: Farewell) -> Int {
        guard connected.load(ordering: .relaxed) > 0 else { return 0 }
        let last = WebSocketTextFrame.encode(lastMessage.serializedBytes())
        let ended = state.withLock { s -> [Outbox] in
            s.registry.followers(of: channel, in: tenant).compactMap { id in
                guard let outbox = Self.remove(id, from: &s) else { return nil }
                s.farewells[id] = farewell
                outbox.queue.append(last)
                return outbox
            }
        }
        // The writer sends what is queued, then finds the farewell and closes with it.
        for outbox in ended { outbox.queue.finish() }
        return ended.count
    }

    /// The close the writer owes the connection once its queue has run dry, if it was ended
    /// on purpose.
    func takeFarewell(_ id: ClientID) -> Farewell? {
        state.withLock { $0.farewells.removeValue(forKey: id) }
    }

    /// Called by the connection when it ends, whichever side ended it.
    func connectionEnded(_ id: ClientID) {
        _ = takeFarewell(id)
        disconnect(id)
        connected.subtract(1, ordering: .relaxed)
        instruments?.realtimeClients.decrement()
    }

    // MARK: - The loop

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeat() }
            await withGracefulShutdownHandler {
                while let publications = await queue.next() {
                    for publication in publications {
                        state.withLock { $0.queuedBytes -= publication.weight }
                        await deliver(publication)
                    }
                }
            } onGracefulShutdown: {
                self.queue.finish()
            }
            group.cancelAll()
        }
        queue.finish()
    }

    private func deliver(_ publication: Publication) async {
        let targets = state.withLock { s in publication.channels.filter { s.registry.hasFollowers(of: $0, in: publication.tenant) } }
        guard !targets.isEmpty else { return }
        let data: [UInt8]
        do {
            guard let rendered = try await publication.render() else { return }
            data = rendered
        } catch {
            logger.error("could not render a real-time message", metadata: ["type": "\(publication.type)", "error": "\(error)"])
            return
        }
        for channel in targets {
            let buffer = WebSocketTextFrame.encode(RealtimeMessage.publication(type: publication.type, channel: channel, data: data))
            let followers = state.withLock { $0.registry.followers(of: channel, in: publication.tenant) }
            offer(buffer, to: followers, channel: channel)
        }
    }

    private func heartbeat() async {
        let ping = WebSocketTextFrame.encode(RealtimeMessage.ping.serializedBytes())
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: .milliseconds(Int64(configuration.heartbeatSeconds * 1000)))
            } catch {
                return
            }
            offer(ping, to: state.withLock { $0.registry.clientIDs }, channel: nil)
        }
    }
}
