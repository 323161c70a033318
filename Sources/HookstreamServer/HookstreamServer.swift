import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
public import UnixSignals

/// The `hookstream serve` process: storage, the HTTP API and ingest, and background services,
/// run as one service group that shuts down gracefully on SIGTERM/SIGINT — the listener stops
/// and in-flight requests finish first, then the ingest writer drains, then usage is flushed.
public struct HookstreamServer {
    public let configuration: ServerConfiguration
    public var logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        var log = logger ?? Logger(label: "hookstream")
        log.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        self.logger = log
    }

    /// What `run` reports once the listener is bound.
    public struct Listening: Sendable {
        public var port: Int
        /// The admin key created on this start (first start, no `--bootstrap-key`): shown once.
        public var generatedKey: String?
        public var baseURL: String
        /// Every route the router serves, as `METHOD /path` with `{name}` captures (the form
        /// OpenAPI paths take), so tests can hold the published document to the router.
        public var routes: [String]
    }

    /// Runs until a shutdown signal (or, when `signals` is empty, until the task is cancelled).
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Listening) -> Void = { _ in }
    ) async throws {
        let dataDirectory = (configuration.dataDirectory as NSString).standardizingPath
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let store = try await Self.openStore(configuration, dataDirectory: dataDirectory, logger: logger)
        let secrets = try MasterKey.load(configured: configuration.masterKey, dataDirectory: dataDirectory)
        try await MasterKey.check(secrets, against: store)
        if let key = configuration.bootstrapKey, !APIKey.isWellFormed(key) {
            throw ServerStartError("--bootstrap-key must look like hs_live_<64 hex> or hs_test_<64 hex>")
        }
        guard configuration.retentionDays >= 0, configuration.retentionDays.isFinite else {
            throw ServerStartError("--retention-days must be a number of days ≥ 0 (0 keeps every event), not \(configuration.retentionDays)")
        }
        guard configuration.replayJobTTLSeconds >= 0, configuration.replayJobTTLSeconds.isFinite else {
            throw ServerStartError("--replay-job-ttl-seconds must be a number of seconds ≥ 0, not \(configuration.replayJobTTLSeconds)")
        }
        guard configuration.testSessionTTLSeconds > 0, configuration.testSessionTTLSeconds.isFinite else {
            throw ServerStartError("--test-session-ttl-seconds must be a number of seconds > 0, not \(configuration.testSessionTTLSeconds)")
        }
        guard configuration.testSessionRequestLimit > 0 else {
            throw ServerStartError("--test-session-request-limit must be at least 1, not \(configuration.testSessionRequestLimit)")
        }
        guard configuration.testSessionsPerIPPerHour >= 0 else {
            throw ServerStartError("--test-sessions-per-ip-per-hour must be 0 (no test sessions) or more, not \(configuration.testSessionsPerIPPerHour)")
        }
        // Bind before the first start creates the admin key, so a taken port cannot swallow it.
        try await ListenAddress.probe(host: configuration.host, port: configuration.port)
        let bootstrap = try await store.bootstrap(bootstrapKey: configuration.bootstrapKey)

        let registry = PrometheusCollectorRegistry()
        let instruments = GatewayMetrics.Instruments(registry: registry)
        guard configuration.wsHeartbeatSeconds > 0, configuration.wsHeartbeatSeconds.isFinite else {
            throw ServerStartError("--ws-heartbeat-seconds must be a number of seconds > 0, not \(configuration.wsHeartbeatSeconds)")
        }
        let realtime = RealtimeHub(
            configuration: .init(heartbeatSeconds: configuration.wsHeartbeatSeconds, maxBufferedBytes: configuration.wsClientBufferBytes),
            clock: configuration.clock, logger: logger, instruments: instruments, relay: store.isShared ? RealtimeRelayQueue() : nil)
        // Live collection sync: records announced on `collections:<id>` after their batch commits.
        let collectionSync: any CollectionSyncBroadcaster = realtime
        let writer = IngestWriter(store: store, logger: logger) { outcomes in
            let syncs = outcomes.flatMap(\.recordSyncs)
            if !syncs.isEmpty { collectionSync.broadcast(syncs) }
        }
        let usage = APIKeyUsageRecorder(store: store, logger: logger)
        let blobs = try BlobStore(root: dataDirectory + "/blobs", inlineEveryBody: store.isShared)
        let outbound = OutboundHTTPClient(
            policy: configuration.outboundPolicy, resolver: configuration.hostResolver, connectionsPerHost: configuration.deliveryConcurrency)
        let delivery = DeliveryEngine(
            store: store, secrets: secrets, blobs: blobs,
            providers: DestinationTypes.providers(configuration.destinationTypes, context: ProviderContext(client: outbound)).merging(
                ["http": HTTPProvider(client: outbound), WebSocketProvider.type: WebSocketProvider(hub: realtime, staging: store.isShared ? store : nil)], uniquingKeysWith: { $1 }),
            schemas: Dictionary(configuration.destinationTypes.map { ($0.name, $0.schema) }, uniquingKeysWith: { $1 }),
            configuration: .init(
                concurrency: configuration.deliveryConcurrency,
                circuit: .init(failureThreshold: configuration.circuitFailureThreshold, cooldown: configuration.circuitCooldownSeconds),
                sharing: store.isShared
                    ? .init(node: Self.nodeID, lease: .milliseconds(Int64(configuration.deliveryLeaseSeconds * 1000))) : nil),
            clock: configuration.clock, logger: logger,
            onRecorded: { result, destination in
                instruments.record(result)
                realtime.attemptRecorded(result, destination: destination, store: store)
            },
            onStarted: { from, count in instruments.counter(.deliveryStarts, [("from", from.rawValue)]).increment(by: Int64(count)) })
        let baseURL = BaseURL(configuration.baseURL ?? "http://\(configuration.host):\(configuration.port)")
        let sources = SourceCache(store: store, secrets: secrets)
        let topics = TopicCache(store: store)
        let routing = EventRouting(
            store: store, writer: writer, delivery: delivery, sources: sources, topics: topics, blobs: blobs, clock: configuration.clock,
            realtime: realtime)
        let releaser = HeldEventReleaser(routing: routing, store: store, logger: logger, sweepInterval: .seconds(configuration.heldEventSweepSeconds))
        let archiver = EventArchiver(
            store: store, blobs: blobs, files: store.isShared ? DatabaseArchive(store: store) : try ArchiveFiles(root: dataDirectory + "/archive"),
            policy: RetentionPolicy(retentionDays: configuration.retentionDays), logger: logger)
        let replays = ReplayRunner(
            store: store, delivery: delivery, clock: configuration.clock, ttlSeconds: configuration.replayJobTTLSeconds, logger: logger)
        let backfiller = CollectionBackfiller(
            store: store, blobs: blobs, clock: configuration.clock, logger: logger, batchSize: configuration.collectionBackfillBatchSize)
        let mailer: SMTPClient?
        do {
            mailer = try self.mailer(outbound)
        } catch {
            await outbound.shutdown()
            throw error
        }
        let notifier = Notifier(
            store: store, secrets: secrets, client: outbound, mailer: mailer,
            settings: .init(retryDelays: configuration.notificationRetryDelaysSeconds, timeoutSeconds: configuration.notificationTimeoutSeconds),
            logger: logger)
        let deps = ServerDependencies(
            configuration: configuration, store: store, blobs: blobs, ingestWriter: writer, delivery: delivery,
            secrets: secrets, sources: sources, topics: topics, apiKeys: APIKeyCache(store: store),
            clientAddresses: ClientAddressResolver(trustedProxies: try trustedProxies()), usage: usage, metrics: registry, instruments: instruments, baseURL: baseURL, logger: logger,
            routing: routing, releaser: releaser, archiver: archiver, replays: replays, outbound: outbound, backfiller: backfiller, collectionSync: collectionSync,
            realtime: realtime, notifier: notifier,
            capture: CaptureSupervisor(
                store: store, secrets: secrets, routing: routing, clock: configuration.clock, snapshotPageRows: configuration.cdcSnapshotPageRows,
                lagCheckInterval: .milliseconds(Int64(configuration.cdcLagCheckSeconds * 1000)), maxLagBytes: configuration.cdcMaxLagBytes,
                node: store.isShared ? Self.nodeID : nil, logger: logger))

        let publicLimiter = configuration.publicRateLimit > 0 ? RateLimiter(limit: configuration.publicRateLimit) : nil
        let apiLimiter = configuration.apiRateLimit > 0 ? RateLimiter(limit: configuration.apiRateLimit) : nil
        let toolsLimiter = configuration.toolsRateLimit > 0 ? RateLimiter(limit: configuration.toolsRateLimit) : nil
        let router = buildRouter(deps, publicLimiter: publicLimiter, apiLimiter: apiLimiter, toolsLimiter: toolsLimiter)
        let routes = router.routes.map { "\($0.method.rawValue) \($0.path.description)" }
        let configured = configuration
        let listening = Mutex(false)
        let (ingestLimit, apiLimit) = (configuration.maxBodyBytes, configuration.maxAPIBodyBytes)
        let ingestResponder = configuration.ingestFastPath
            ? IngestResponder(
                endpoint: IngestEndpoint(deps: deps), publisher: PublishEndpoint(deps: deps), limiter: publicLimiter, apiLimiter: apiLimiter,
                dates: HTTPDateCache()) : nil
        // Only the WebSocket paths can upgrade (their own router); every other connection gets
        // the same HTTP/1 pipeline as without WebSockets, ingest's fast path included.
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: RealtimeRoutes(deps: deps).webSocketRouter(),
                configuration: .init(
                    http1: .init(
                        additionalChannelHandlers: [ExpectContinueHandler(ingestLimit: ingestLimit, apiLimit: apiLimit)]
                            + (ingestResponder.map { [IngestFastPath(responder: $0)] } ?? [])),
                    ws: .init(
                        maxFrameSize: max(RealtimeRoutes.maxControlMessageBytes, configuration.maxBodyBytes),
                        autoPing: .enabled(timePeriod: .milliseconds(Int64(configuration.wsHeartbeatSeconds * 1000)))))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hookstream"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configured.port
                if configured.baseURL == nil { baseURL.set("http://\(Self.urlHost(configured.host)):\(port)") }
                listening.withLock { $0 = true }
                onListening(Listening(port: port, generatedKey: bootstrap.generatedKey, baseURL: baseURL.string, routes: routes))
            },
            logger: logger)
        // Service order matters: shutdown runs in reverse, so the HTTP server (last) stops
        // first, the release of held events stops between two batches, the ingest writer drains
        // only after every in-flight ingest has been answered, and the delivery engine stops
        // before the writer of its results.
        // `--retention-days 0` keeps every event: the archive stays listable, nothing new goes in.
        let maintenance = Maintenance(
            store: store, issueAutoResolveSeconds: configuration.issueAutoResolveSeconds, logger: logger, clock: configuration.clock,
            archiver: configuration.retentionDays > 0 ? archiver : nil, testSessionTTLSeconds: configuration.testSessionTTLSeconds, blobs: blobs,
            realtime: realtime, node: store.isShared ? Self.nodeID : nil)
        let alerts = AlertScheduler(
            store: store, notifier: notifier, interval: configuration.alertIntervalSeconds, autoResolveSeconds: configuration.alertAutoResolveSeconds,
            clock: configuration.clock, logger: logger)
        let searchIndexer = RecordSearchIndexer(store: store, logger: logger)
        let schedules = ToolScheduler(store: store, secrets: secrets, sender: ToolSender(client: outbound), clock: configuration.clock, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: usage), .init(service: searchIndexer), .init(service: realtime), .init(service: maintenance), .init(service: alerts), .init(service: delivery.resultWriter), .init(service: delivery),
                    .init(service: DeliveryWakeups(store: store, delivery: delivery)), .init(service: replays),
                    .init(service: RealtimeRelay(node: Self.nodeID, queue: realtime.relay ?? RealtimeRelayQueue(), store: store, hub: realtime, routing: routing, logger: logger)),
                    .init(service: schedules), .init(service: deps.capture),
                    .init(service: writer), .init(service: releaser), .init(service: backfiller), .init(service: app),
                ],
                gracefulShutdownSignals: signals, logger: logger))
        do {
            try await group.run()
            await outbound.shutdown()
        } catch {
            await outbound.shutdown()
            guard !listening.withLock({ $0 }) else { throw error }
            // The listener never came up. Say why in words, and never lose a key made just now.
            var message = ListenAddress.startError(error, host: configuration.host, port: configuration.port)?.description ?? "\(error)"
            if let key = bootstrap.generatedKey {
                message += "\nThe admin API key created on this first start (store it now, it is not shown again):\n  \(key)"
            }
            throw ServerStartError(message)
        }
        await store.close()
    }

    /// The SMTP client of `--smtp-url`, or `nil` without one; a bad setting stops the start.
    private func mailer(_ outbound: OutboundHTTPClient) throws -> SMTPClient? {
        guard let url = configuration.smtpURL, !url.isEmpty else {
            if configuration.smtpFrom != nil || configuration.smtpCAFile != nil {
                throw ServerStartError("--smtp-from and --smtp-ca-file need --smtp-url")
            }
            return nil
        }
        guard let from = configuration.smtpFrom, !from.isEmpty else { throw ServerStartError("--smtp-url needs --smtp-from (the sender address)") }
        do {
            let server = try SMTPServer(url: url, from: from)
            return try SMTPClient(server: server, caFile: configuration.smtpCAFile, outbound: outbound)
        } catch let invalid as SMTPServer.Invalid {
            throw ServerStartError(invalid.description)
        } catch {
            throw ServerStartError("--smtp-ca-file: cannot read a PEM certificate from \(configuration.smtpCAFile ?? "")")
        }
    }

    private func trustedProxies() throws -> IPRangeList {
        do {
            return try IPRangeList.parse(configuration.trustedProxies, field: "--trusted-proxies")
        } catch {
            throw ServerStartError(error.message)
        }
    }

    /// The store `--database-url` names: SQLite in the data directory by default, another
    /// SQLite file (`sqlite:PATH`), or a PostgreSQL database several nodes share. A URL that
    /// cannot be used stops the start with one line saying why.
    /// This process among the nodes sharing a database: what its delivery leases are held by.
    static let nodeID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    /// (`serve` on start, and `hookstream migrate`; opening applies pending migrations.)
    public static func openStore(_ configuration: ServerConfiguration, dataDirectory: String, logger: Logger) async throws -> SQLStore {
        guard let url = configuration.databaseURL, !url.isEmpty else { return try SQLStore(path: dataDirectory + "/hookstream.sqlite") }
        if url.hasPrefix("sqlite:") || url.hasPrefix("file:") {
            let path = url.replacingOccurrences(of: "sqlite://", with: "").replacingOccurrences(of: "sqlite:", with: "")
                .replacingOccurrences(of: "file:", with: "")
            return try SQLStore(path: path)
        }
        let uri: PostgresURI
        do {
            uri = try PostgresURI(parsing: url)
        } catch {
            throw ServerStartError("--database-url: " + error.description.replacingOccurrences(of: "connection_uri", with: "the URL"))
        }
        guard configuration.databasePoolSize >= 2 else { throw ServerStartError("--database-pool-size must be at least 2 (one writer, one reader)") }
        do {
            return try await SQLStore.postgres(uri, connections: configuration.databasePoolSize, logger: logger)
        } catch let error as PostgresConnectFailure {
            throw ServerStartError("--database-url: cannot use \(uri.host):\(uri.port)/\(uri.database): \(error)")
        } catch let error as StoreSchemaError {
            throw ServerStartError("--database-url: \(error)")
        }
    }

    /// - Parameters:
    ///   - publicLimiter: the per-client-IP limit of public paths, shared with the ingest fast
    ///     path so a caller has one budget whichever way its requests are answered.
    ///   - apiLimiter: the per-organization limit of authenticated requests, shared the same way
    ///     with the fast path's publish.
    ///   - toolsLimiter: the per-client-IP limit of the tools API, which it has instead of the
    ///     public one.
    func buildRouter(_ deps: ServerDependencies, publicLimiter: RateLimiter?, apiLimiter: RateLimiter?, toolsLimiter: RateLimiter?) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        // Middleware applies to the routes added after it, so it goes first; the route table
        // (405s, and 404 before 401 for unknown paths) is filled in once the routes exist.
        let table = RouteTable()
        router.add(middleware: MetricsMiddleware(instruments: deps.instruments))
        router.add(middleware: APIErrorMiddleware(routes: table))
        router.add(middleware: AuthenticationMiddleware(store: deps.store, apiKeys: deps.apiKeys, usage: deps.usage, routes: table))
        router.add(
            middleware: RateLimitMiddleware(
                authenticated: apiLimiter, anonymous: publicLimiter, tools: toolsLimiter, clientAddresses: deps.clientAddresses,
                clock: configuration.clock))
        router.add(middleware: RequireIdentityMiddleware(routes: table))
        SystemRoutes(deps: deps).register(on: router)
        AIDiscoveryRoutes().register(on: router)
        AuthRoutes(deps: deps).register(on: router)
        APIKeysRoutes(deps: deps).register(on: router)
        SourcesRoutes(deps: deps).register(on: router)
        SourceTablesRoutes(deps: deps).register(on: router)
        SourceDestinationsRoutes(deps: deps).register(on: router)
        CollectionsRoutes(deps: deps).register(on: router)
        DestinationsRoutes(deps: deps).register(on: router)
        DeliveryAttemptsRoutes(deps: deps).register(on: router)
        IssuesRoutes(deps: deps).register(on: router)
        MetricsRoutes(deps: deps).register(on: router)
        NotificationChannelsRoutes(deps: deps).register(on: router)
        AlertRulesRoutes(deps: deps).register(on: router)
        ConnectionsRoutes(deps: deps).register(on: router)
        TopicsRoutes(deps: deps).register(on: router)
        ReplayRoutes(deps: deps).register(on: router)
        TransformsRoutes(deps: deps).register(on: router)
        IngestRoutes(deps: deps).register(on: router)
        EventArchivesRoutes(deps: deps).register(on: router)
        EventsRoutes(deps: deps).register(on: router)
        ToolsRoutes(deps: deps).register(on: router)
        TestSessionsRoutes(deps: deps).register(on: router)
        RealtimeRoutes(deps: deps).register(on: router)
        table.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    static func urlHost(_ host: String) -> String {
        if host == "0.0.0.0" || host == "::" { return "127.0.0.1" }
        return host.contains(":") ? "[\(host)]" : host
    }
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The AES-GCM key that seals secrets at rest: given by `--master-key`, else read from (or on
/// first start generated into) `<data-dir>/master.key` with mode 0600.
enum MasterKey {
    static func load(configured: String?, dataDirectory: String) throws -> SecretBox {
        if let configured {
            guard let box = SecretBox(encodedKey: configured) else {
                throw ServerStartError("--master-key must be 32 bytes as 64 hex characters or base64")
            }
            return box
        }
        let path = dataDirectory + "/master.key"
        if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
            guard let box = SecretBox(encodedKey: text) else { throw ServerStartError("\(path) does not hold a valid key") }
            return box
        }
        let key = SecretBox.generateEncodedKey()
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerStartError("could not write \(path)")
        }
        return SecretBox(encodedKey: key)!
    }

    private static let checkText = "hookstream master key check"

    /// Refuses a key other than the one the database's secrets are sealed with, at start rather
    /// than on every secret: a value sealed by the first node to start is kept in the database,
    /// and every later start must be able to open it. Nodes sharing a PostgreSQL database
    /// therefore need the same `--master-key`.
    static func check(_ secrets: SecretBox, against store: any Store) async throws {
        let kept = try await store.firstSetting(name: "master_key_check", proposed: try secrets.seal(checkText))
        guard (try? secrets.open(kept)) == checkText else {
            throw ServerStartError(
                "the master key is not the one this database's secrets were sealed with: every node sharing a database needs the same --master-key")
        }
    }
}
