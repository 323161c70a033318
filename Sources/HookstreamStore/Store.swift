public import HookstreamCore
import JSONValue

/// Everything the server keeps, behind one interface so the embedded SQLite store and the
/// PostgreSQL store are interchangeable. Every read and write of tenant data takes the
/// `Tenant` it is scoped to; a row of another tenant behaves as if it did not exist.
public protocol CoreStore: Sendable {
    // MARK: Accounts

    /// Creates the default organization and environment on an empty database, and registers
    /// `bootstrapKey` (or a freshly generated key, returned once) for it.
    func bootstrap(bootstrapKey: String?) async throws -> BootstrapResult
    /// Records `proposed` under `name` unless the database holds a value for it already, and
    /// returns the value it holds: the first node to start decides, every later one reads that
    /// (the master key's check value).
    func firstSetting(name: String, proposed: String) async throws -> String
    func createAccount(email: String, passwordHash: String, name: String?) async throws -> (User, Organization, Environment)
    func credentials(email: String) async throws -> (user: User, passwordHash: String)?
    func organization(id: String) async throws -> Organization?
    func environment(id: String) async throws -> Environment?

    func createSession(tokenHash: String, userID: String, expiresAt: Int64) async throws
    func sessionUser(tokenHash: String, now: Int64) async throws -> User?
    func deleteSession(tokenHash: String) async throws

    func createAPIKey(_ record: APIKeyRecord, keyHash: String) async throws
    func apiKey(hash: String) async throws -> APIKeyRecord?
    func apiKeys(organizationID: String) async throws -> [APIKeyRecord]
    func revokeAPIKey(id: String, organizationID: String) async throws
    func recordAPIKeyUsage(_ usage: [String: APIKeyUsage]) async throws

    // MARK: Sources

    func createSource(_ source: Source) async throws
    /// A live source by ID, whatever its tenant: the public ingest path knows only the ID.
    func source(id: String) async throws -> Source?
    func source(id: String, tenant: Tenant) async throws -> Source?
    func sources(tenant: Tenant, status: Source.Status?, beforeID: String?, limit: Int) async throws -> Page<Source>
    func updateSource(_ source: Source) async throws
    func deleteSource(id: String, tenant: Tenant, at: Int64) async throws

    // MARK: Destinations

    func createDestination(_ destination: Destination) async throws
    func destination(id: String, tenant: Tenant) async throws -> Destination?
    func destinations(tenant: Tenant, status: Destination.Status?, type: String?, beforeID: String?, limit: Int) async throws -> Page<Destination>
    func updateDestination(_ destination: Destination) async throws
    func deleteDestination(id: String, tenant: Tenant, at: Int64) async throws

    // MARK: Connections

    func createConnection(_ connection: Connection) async throws
    func connection(id: String, tenant: Tenant) async throws -> StoredConnection?
    func connections(tenant: Tenant, sourceID: String?, destinationID: String?, beforeID: String?, limit: Int) async throws -> Page<StoredConnection>
    func updateConnection(_ connection: Connection) async throws
    func deleteConnection(id: String, tenant: Tenant, at: Int64) async throws
    /// The live connections of a source, whatever its tenant: ingest routes by source ID.
    func activeConnections(sourceID: String) async throws -> [Connection]

    // MARK: Events

    /// Stores a batch of accepted events in one transaction (the group commit). Events with a
    /// dedup key whose window is still open are stored as duplicates; the outcomes say which
    /// event each request should be answered with, in the order given.
    ///
    /// An event of a source that is paused, or that still holds events from a pause (a resume
    /// in progress), is stored `held` without attempts, whatever its routes: decided inside the
    /// transaction, so a pause or a finished release can never be raced by a stale cache.
    func insertEvents(_ events: [IncomingEvent]) async throws -> [IngestOutcome]
    /// Up to `limit` held events of a source, oldest first; none while the source is paused or
    /// once it is deleted.
    func heldEvents(sourceID: String, limit: Int) async throws -> [Event]
    /// Routes held events in one transaction: each event that is still held gets its pending
    /// attempts (scheduled at its arrival, so deliveries keep arrival order) and leaves `held`.
    /// Events no longer held, or whose source was paused again meanwhile, are skipped.
    /// Returns the releases that were applied, with the routes that got an attempt.
    func releaseHeldEvents(_ releases: [HeldRelease], now: Int64) async throws -> [HeldRelease]
    /// Active sources that hold events (start-up: a resume interrupted by a restart).
    func sourcesWithHeldEvents() async throws -> [String]
    /// Forgets dedup keys whose window closed before `now`.
    func purgeExpiredDedupKeys(now: Int64) async throws
    func event(id: String, tenant: Tenant) async throws -> StoredEvent?
    func events(tenant: Tenant, query: EventQuery) async throws -> Page<StoredEvent>
}

/// The delivery queue, the attempt log and issues (see `DeliveryStore.swift`); the event
/// archive (see `Archive/EventArchiveStore.swift`); collections (see `CollectionStore.swift`);
/// topics (see `TopicStore.swift`); metrics rollups (see `MetricsStore.swift`); replay jobs (see
/// `ReplayStore.swift`); notification channels (see `NotificationStore.swift`); alert rules (see
/// `AlertStore.swift`); webhooks scheduled through the tools API (see `ToolScheduleStore.swift`);
/// database sources' capture (see `ChangeCaptureStore.swift`), test sessions (see `TestSessionStore.swift`).
public protocol Store: CoreStore, DeliveryStore, EventArchiveStore, CollectionStore, TopicStore, MetricsStore, ReplayStore,
    NotificationStore, AlertStore, ToolScheduleStore, ChangeCaptureStore, TestSessionStore {}

public struct BootstrapResult: Sendable {
    public var organization: Organization
    public var environment: Environment
    /// The plaintext of a key generated on this start, to print once; `nil` when none was made.
    public var generatedKey: String?
}

public struct APIKeyUsage: Sendable {
    public var requests: Int64
    public var lastUsedAt: Int64

    public init(requests: Int64, lastUsedAt: Int64) {
        self.requests = requests
        self.lastUsedAt = lastUsedAt
    }
}

/// An event on its way into the store, with what deduplication needs to know.
/// An event's body as the collections' upsert reads it: its JSON (`nil` when it is not JSON)
/// and its text.
public struct ParsedBody: Sendable {
    public var json: JSON?
    public var text: String

    public init(_ bytes: [UInt8]) {
        json = try? JSON(parsing: bytes)
        text = String(decoding: bytes, as: UTF8.self)
    }
}

public struct IncomingEvent: Sendable {
    public let event: Event
    /// The event's headers and query as the JSON text the store keeps, made with the value:
    /// in the request's task, where many run at once, rather than inside the one writer's
    /// transaction, which every event of a batch waits for.
    public let headersJSON: String
    public let queryJSON: String
    /// SHA-256 of the request's dedup key, or `nil` when the source does not deduplicate or
    /// the request has no key.
    public var dedupKeyHash: String?
    /// When the dedup window of this key closes (Unix milliseconds).
    public var dedupExpiresAt: Int64
    /// The connections whose filters the event passed: each becomes a pending delivery attempt
    /// in the same transaction as the event (unless the event is a duplicate or the
    /// destination was deleted meanwhile).
    public var routes: [Route]
    /// The body bytes, when the caller has them. Collections read the body inside the insert
    /// transaction; a body kept in the blob store is only readable from here. Without it such
    /// an event is counted as having no key.
    public var body: [UInt8]?
    /// Deliveries of events with the same key go to a destination in event order, also across
    /// retries (captured changes: the row's table and identity); `nil` for independent events.
    public var orderKey: String?
    /// The body parsed, made in the request's task when the source feeds collections, so the
    /// one writer's transaction does not parse it (see ``ParsedBody``); `nil`: parsed there.
    public var parsedBody: ParsedBody?
    /// The IDs the first attempts are stored under, one per route in order (the delivery
    /// engine may have reserved them to start from memory); `nil`: made by the store.
    public var attemptIDs: [String]?

    public init(event: Event, dedupKeyHash: String? = nil, dedupExpiresAt: Int64 = 0, routes: [Route] = [], body: [UInt8]? = nil) {
        self.event = event
        headersJSON = JSON.object(event.headers).serialized()
        queryJSON = JSON.object(event.query).serialized()
        self.dedupKeyHash = dedupKeyHash
        self.dedupExpiresAt = dedupExpiresAt
        self.routes = routes
        self.body = body
    }
}

/// What an ingest request is answered with.
public struct IngestOutcome: Sendable, Equatable {
    /// The stored event, or for a duplicate the original event it repeats.
    public var eventID: String
    public var duplicate: Bool
    /// Stored `held` (its source is paused): no attempt was written.
    public var held: Bool
    /// The records this event created or replaced in its source's collections, committed with
    /// it; for the caller to announce now that the commit is durable.
    public var recordSyncs: [RecordSync]
    /// The IDs of the first attempts committed with the event: none for a duplicate or a held
    /// event, and none for a route whose destination was deleted meanwhile.
    public var attemptIDs: [String] = []

    public init(eventID: String, duplicate: Bool, held: Bool = false, recordSyncs: [RecordSync] = []) {
        self.eventID = eventID
        self.duplicate = duplicate
        self.held = held
        self.recordSyncs = recordSyncs
    }
}

/// A held event and the routes it gets on release.
public struct HeldRelease: Sendable, Equatable {
    public var eventID: String
    public var routes: [Route]

    public init(eventID: String, routes: [Route]) {
        self.eventID = eventID
        self.routes = routes
    }
}

/// A connection with the names listings join to it (`nil` once that side was deleted).
public struct StoredConnection: Sendable {
    public var connection: Connection
    public var sourceName: String?
    public var destinationName: String?

    public init(connection: Connection, sourceName: String?, destinationName: String?) {
        self.connection = connection
        self.sourceName = sourceName
        self.destinationName = destinationName
    }
}
