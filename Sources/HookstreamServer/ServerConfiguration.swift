import Foundation
public import HookstreamCore
public import HookstreamDelivery

/// Everything `hookstream serve` can be told, with the documented defaults. Each field is a
/// flag (`--circuit-cooldown-seconds`) and an environment variable
/// (`HOOKSTREAM_CIRCUIT_COOLDOWN_SECONDS`); the command line maps them onto this value.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./hookstream-data"
    /// `nil` = SQLite in the data directory; `postgres://…` shares a PostgreSQL database.
    public var databaseURL: String?
    /// PostgreSQL connections per node, the writer's included (at least 2).
    public var databasePoolSize = 10
    /// On a shared database: how long a node's claim on a delivery holds without being renewed,
    /// i.e. how soon the attempts of a node that died are taken over by the others.
    public var deliveryLeaseSeconds = 30.0
    /// Used in returned URLs; `nil` = `http://<host>:<bound port>`.
    public var baseURL: String?
    /// `nil` = generated into the data directory on first start.
    public var masterKey: String?
    public var bootstrapKey: String?
    public var allowSignup = true
    public var trustedProxies: [String] = []
    public var maxBodyBytes = 10_485_760
    /// Authenticated requests per minute per organization; 0 = off.
    public var apiRateLimit = 1000
    /// Unauthenticated requests per minute per client IP; 0 = off.
    public var publicRateLimit = 60_000
    /// Tools API requests (`/v1/tools/…`) per minute per client IP, instead of the public
    /// limit: each one makes the server send requests of its own. 0 = off.
    public var toolsRateLimit = 60
    public var deliveryConcurrency = 64
    public var circuitFailureThreshold = 5
    public var circuitCooldownSeconds = 60.0
    public var issueAutoResolveSeconds = 1800.0
    /// The SMTP server e-mail channels send through (`smtp[s]://user:pass@host:port`), the
    /// sender address, and a CA to trust for its certificate instead of the system roots.
    public var smtpURL: String?
    public var smtpFrom: String?
    public var smtpCAFile: String?
    /// How often alert rules are evaluated.
    public var alertIntervalSeconds = 300.0
    /// How often each node releases the events active sources still hold (see
    /// `HeldEventReleaser`); not a flag, tests shorten it.
    public var heldEventSweepSeconds = 10.0
    /// A triggered alert resolves once its condition has stayed clear this long.
    public var alertAutoResolveSeconds = 1800.0
    public var retentionDays = 30.0
    /// How long a finished replay job stays readable.
    public var replayJobTTLSeconds = 86_400.0
    /// Events a collection backfill applies per transaction: larger is faster, smaller holds
    /// the single writer (and so ingest) for less time.
    public var collectionBackfillBatchSize = 500
    public var logLevel = "info"
    /// How long a test session lives (14 days).
    public var testSessionTTLSeconds = 1_209_600.0
    /// Requests one test session accepts; past it its URL answers 429.
    public var testSessionRequestLimit = 2000
    /// Test sessions one client IP may create per hour.
    public var testSessionsPerIPPerHour = 10
    /// A database source whose replication slot retains more WAL than this shows a `warning`.
    public var cdcMaxLagBytes: Int64 = 1_073_741_824
    /// Rows a database source's snapshot reads and stores per page (one store transaction):
    /// bounds its memory, and how much a restart can find half done.
    public var cdcSnapshotPageRows = 1000
    /// How often every database source's slot lag is measured for its `capture_lag` issue.
    public var cdcLagCheckSeconds = 60.0
    /// The WebSocket heartbeat: a `ping` every period; a client that stops answering is dropped.
    public var wsHeartbeatSeconds = 30.0
    /// Unsent bytes one WebSocket client may have waiting before it is disconnected.
    public var wsClientBufferBytes = 1 << 20
    /// Ingest answered straight from the HTTP channel (``IngestFastPath``) rather than through
    /// the router; off only to rule the fast path out when diagnosing, or to measure it.
    public var ingestFastPath = true
    /// What hookstream's own outbound requests may reach (`--deny-private-destinations`,
    /// `--public-outbound`).
    public var outboundPolicy = OutboundPolicy()
    /// Name resolution for outbound requests; `nil` = the system resolver. Tests point names
    /// at chosen addresses to prove the policy without connecting anywhere.
    public var hostResolver: (any HostResolver)?
    /// Pauses before each retry of a failed notification (so 3 tries by default), and the
    /// time one try may take. Not flags: tests shorten them.
    public var notificationRetryDelaysSeconds: [Double] = [2, 10]
    public var notificationTimeoutSeconds = 10.0

    /// Largest JSON body the management API reads (ingest has its own limit).
    public var maxAPIBodyBytes = 1_048_576
    /// How long a dashboard session stays valid.
    public var sessionLifetimeSeconds = 30.0 * 86_400
    /// The time source of every time-based part of the server (not a flag: tests inject a
    /// `ManualClock` to drive cooldowns, windows and periodic jobs without sleeping).
    public var clock: any GatewayClock = SystemClock()
    /// The destination types with a provider besides `http` and `websocket` (not a flag:
    /// tests register a type of their own to exercise the settings framework).
    public var destinationTypes: [DestinationType] = DestinationTypes.registered

    public init() {}
}
