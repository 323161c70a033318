import HookstreamCore

/// Who follows what, and how much each client has waiting to be written — the WebSocket
/// hub's decisions without I/O. ``RealtimeHub`` keeps one under a lock and carries out what
/// it answers (write, disconnect); the rules are tested here without sockets.
///
/// Invariants:
/// - a client only ever hears about its own tenant: subscriptions are keyed by tenant and
///   channel, and a message is routed by the tenant it belongs to;
/// - a connected client receives every message of its channels, in publication order, or is
///   disconnected: nothing is skipped silently;
/// - a client's unsent bytes stay within `maxBufferedBytes` (plus the one message that may
///   always go into an empty buffer, so a large event never disconnects an idle client): a
///   client that falls further behind is removed on the spot, so the publisher never waits
///   for it and no further message is queued for it.
struct RealtimeRegistry: Sendable {
    typealias ClientID = UInt64

    struct Configuration: Sendable {
        /// Unsent bytes one client may have waiting before it is disconnected.
        var maxBufferedBytes: Int
        /// Channels one client may follow at once.
        var maxSubscriptions: Int
    }

    struct Client: Sendable, Equatable {
        var tenant: Tenant
        var channels: Set<RealtimeChannel> = []
        /// Bytes queued for the client and not yet written to its socket.
        var buffered = 0
    }

    enum SubscribeResult: Equatable {
        case subscribed
        case alreadySubscribed
        case limitReached
        case unknownClient
    }

    /// What to do with a message offered to one client.
    enum Enqueued: Equatable {
        case send
        /// The client overflowed its buffer and was removed: close its connection.
        case overflow
        /// The client is gone, or no longer follows the channel: nothing to send.
        case skip
    }

    private struct Key: Hashable {
        var tenant: Tenant
        var channel: RealtimeChannel
    }

    let configuration: Configuration
    private(set) var clients: [ClientID: Client] = [:]
    private var followers: [Key: Set<ClientID>] = [:]
    private var perTenant: [Tenant: Int] = [:]
    private var nextID: ClientID = 1

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Registers a connection following the default channels.
    mutating func connect(tenant: Tenant, channels: [RealtimeChannel] = RealtimeChannel.defaults) -> ClientID {
        let id = nextID
        nextID += 1
        clients[id] = Client(tenant: tenant)
        perTenant[tenant, default: 0] += 1
        for channel in channels { _ = subscribe(id, to: channel) }
        return id
    }

    /// Forgets the client and everything it followed; `false` if it was already gone.
    @discardableResult
    mutating func disconnect(_ id: ClientID) -> Bool {
        guard let client = clients.removeValue(forKey: id) else { return false }
        for channel in client.channels { unfollow(id, Key(tenant: client.tenant, channel: channel)) }
        let left = (perTenant[client.tenant] ?? 1) - 1
        perTenant[client.tenant] = left > 0 ? left : nil
        return true
    }

    mutating func subscribe(_ id: ClientID, to channel: RealtimeChannel) -> SubscribeResult {
        guard var client = clients[id] else { return .unknownClient }
        guard !client.channels.contains(channel) else { return .alreadySubscribed }
        guard client.channels.count < configuration.maxSubscriptions else { return .limitReached }
        client.channels.insert(channel)
        clients[id] = client
        followers[Key(tenant: client.tenant, channel: channel), default: []].insert(id)
        return .subscribed
    }

    /// Stops following `channel`; `false` when the client did not follow it.
    @discardableResult
    mutating func unsubscribe(_ id: ClientID, from channel: RealtimeChannel) -> Bool {
        guard var client = clients[id], client.channels.remove(channel) != nil else { return false }
        clients[id] = client
        unfollow(id, Key(tenant: client.tenant, channel: channel))
        return true
    }

    private mutating func unfollow(_ id: ClientID, _ key: Key) {
        guard var set = followers[key] else { return }
        set.remove(id)
        followers[key] = set.isEmpty ? nil : set
    }

    /// Whether any client of the tenant is connected: the publisher's cheap first question.
    func isListening(_ tenant: Tenant) -> Bool {
        perTenant[tenant] != nil
    }

    func hasFollowers(of channel: RealtimeChannel, in tenant: Tenant) -> Bool {
        followers[Key(tenant: tenant, channel: channel)] != nil
    }

    /// The tenant's clients following `channel`, in connection order.
    func followers(of channel: RealtimeChannel, in tenant: Tenant) -> [ClientID] {
        (followers[Key(tenant: tenant, channel: channel)] ?? []).sorted()
    }

    /// Every connected client (the heartbeat pings them all).
    var clientIDs: [ClientID] { clients.keys.sorted() }

    /// Accounts for a message of `bytes` offered to a client. `channel` is the channel it was
    /// published on (re-checked, since the client may have unsubscribed since the message was
    /// routed), or `nil` for the connection's own messages (welcome, acks, errors, pings).
    mutating func enqueue(_ id: ClientID, bytes: Int, channel: RealtimeChannel?) -> Enqueued {
        guard var client = clients[id] else { return .skip }
        if let channel, !client.channels.contains(channel) { return .skip }
        if client.buffered > 0 && client.buffered + bytes > configuration.maxBufferedBytes {
            disconnect(id)
            return .overflow
        }
        client.buffered += bytes
        clients[id] = client
        return .send
    }

    /// `bytes` of the client's queue were written to its socket.
    mutating func sent(_ id: ClientID, bytes: Int) {
        guard var client = clients[id] else { return }
        client.buffered = max(0, client.buffered - bytes)
        clients[id] = client
    }
}
