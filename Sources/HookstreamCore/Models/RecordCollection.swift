public import JSONValue

/// An Instant Database collection: the latest state of every object a source's events
/// describe, one record per primary key, kept current by the upsert engine as events arrive.
///
/// `source_id`, `primary_key_path` and `timestamp_path` are fixed at creation: records already
/// stored were keyed and ordered by them, so changing one would leave a table that no longer
/// means what it says.
public struct RecordCollection: Sendable, Equatable {
    public var id: String
    public var tenant: Tenant
    public var name: String
    public var slug: String
    public var description: String?
    public var sourceID: String
    public var primaryKeyPath: String
    /// Where the payload carries the provider's own timestamp; `nil` orders by `received_at`.
    public var timestampPath: String?
    public var stats: Stats
    public var createdAt: Int64
    public var updatedAt: Int64

    /// Counters the upsert engine keeps with every batch it applies.
    public struct Stats: Sendable, Equatable {
        public var recordCount: Int64 = 0
        public var changelogEntries: Int64 = 0
        /// Events older than the record they addressed (kept in the changelog as `skipped`).
        public var skippedOlder: Int64 = 0
        /// Events with no usable value at the primary key path.
        public var skippedNoKey: Int64 = 0
        public var lastSyncAt: Int64?

        public init(recordCount: Int64 = 0, changelogEntries: Int64 = 0, skippedOlder: Int64 = 0, skippedNoKey: Int64 = 0, lastSyncAt: Int64? = nil) {
            self.recordCount = recordCount
            self.changelogEntries = changelogEntries
            self.skippedOlder = skippedOlder
            self.skippedNoKey = skippedNoKey
            self.lastSyncAt = lastSyncAt
        }
    }

    public init(
        id: String, tenant: Tenant, name: String, slug: String, description: String? = nil, sourceID: String, primaryKeyPath: String,
        timestampPath: String? = nil, stats: Stats = Stats(), createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.slug = slug
        self.description = description
        self.sourceID = sourceID
        self.primaryKeyPath = primaryKeyPath
        self.timestampPath = timestampPath
        self.stats = stats
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One record of a collection: the body of the newest event seen for its key.
public struct CollectionRecord: Sendable, Equatable {
    public var id: String
    public var collectionID: String
    public var key: String
    /// The event body as received (JSON text), so large integers keep every digit.
    public var data: String
    public var eventID: String
    public var sourceEventAt: Int64
    public var syncedAt: Int64
    public var createdAt: Int64

    public init(id: String, collectionID: String, key: String, data: String, eventID: String, sourceEventAt: Int64, syncedAt: Int64, createdAt: Int64) {
        self.id = id
        self.collectionID = collectionID
        self.key = key
        self.data = data
        self.eventID = eventID
        self.sourceEventAt = sourceEventAt
        self.syncedAt = syncedAt
        self.createdAt = createdAt
    }
}

/// One line of a record's history: which event touched it and what that did.
public struct ChangelogEntry: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// The first event for the key: the record was created.
        case created
        /// A newer event replaced the record.
        case updated
        /// An event older than the record arrived late and changed nothing.
        case skipped
    }

    public var id: String
    public var collectionID: String
    public var key: String
    public var eventID: String
    public var action: Action
    public var sourceEventAt: Int64
    public var createdAt: Int64

    public init(id: String, collectionID: String, key: String, eventID: String, action: Action, sourceEventAt: Int64, createdAt: Int64) {
        self.id = id
        self.collectionID = collectionID
        self.key = key
        self.eventID = eventID
        self.action = action
        self.sourceEventAt = sourceEventAt
        self.createdAt = createdAt
    }
}
