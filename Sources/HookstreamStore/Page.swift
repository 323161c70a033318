public import HookstreamCore

/// One page of a newest-first listing: the items and the ID to continue after.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool
    /// The last item's ID when there is a next page; the API wraps it in an opaque cursor.
    public var nextAfterID: String?
    public var total: Int?

    public init(items: [Item], hasMore: Bool, nextAfterID: String?, total: Int? = nil) {
        self.items = items
        self.hasMore = hasMore
        self.nextAfterID = nextAfterID
        self.total = total
    }
}

/// Filters of `GET /v1/events`.
public struct EventQuery: Sendable {
    public var sourceID: String?
    public var status: Event.Status?
    public var receivedAfter: Int64?
    public var receivedBefore: Int64?
    public var search: String?
    public var beforeID: String?
    public var limit: Int

    public init(
        sourceID: String? = nil, status: Event.Status? = nil, receivedAfter: Int64? = nil, receivedBefore: Int64? = nil,
        search: String? = nil, beforeID: String? = nil, limit: Int = 50
    ) {
        self.sourceID = sourceID
        self.status = status
        self.receivedAfter = receivedAfter
        self.receivedBefore = receivedBefore
        self.search = search
        self.beforeID = beforeID
        self.limit = limit
    }
}

/// An event row with what listings join to it.
public struct StoredEvent: Sendable {
    public var event: Event
    public var sourceName: String?

    public init(event: Event, sourceName: String?) {
        self.event = event
        self.sourceName = sourceName
    }
}
