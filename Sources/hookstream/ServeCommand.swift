import ArgumentParser
import Foundation
import HookstreamCore
import HookstreamServer
import Logging

/// `hookstream serve`: every setting is a flag and a `HOOKSTREAM_<NAME>` environment variable
/// (flag wins), with the defaults of the configuration table in the docs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the hookstream server.")

    @Option(help: "Listen address (HOOKSTREAM_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Listen port; 0 picks a free port (HOOKSTREAM_PORT, default 8080).") var port: Int?
    @Option(help: "Data directory (HOOKSTREAM_DATA_DIR, default ./hookstream-data).") var dataDir: String?
    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DATABASE to share one database between nodes, or sqlite:PATH; default SQLite in the data directory (HOOKSTREAM_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "PostgreSQL connections this node opens, the writer included (HOOKSTREAM_DATABASE_POOL_SIZE, default 10).") var databasePoolSize: Int?
    @Option(help: "Seconds a node's claim on a delivery holds unrenewed on a shared database: how soon a dead node's deliveries move (HOOKSTREAM_DELIVERY_LEASE_SECONDS, default 30).")
    var deliveryLeaseSeconds: Double?
    @Option(help: "Public base URL used in returned URLs (HOOKSTREAM_BASE_URL).") var baseURL: String?
    @Option(help: "AES-GCM master key, 64 hex or base64 (HOOKSTREAM_MASTER_KEY).") var masterKey: String?
    @Option(help: "Admin API key registered for the default org on first start (HOOKSTREAM_BOOTSTRAP_KEY).") var bootstrapKey: String?
    @Option(help: "Whether POST /v1/auth/signup creates accounts (HOOKSTREAM_ALLOW_SIGNUP, default true).") var allowSignup: Bool?
    @Option(help: "Comma-separated CIDRs whose X-Forwarded-For is trusted (HOOKSTREAM_TRUSTED_PROXIES).") var trustedProxies: String?
    @Option(help: "Ingest body limit in bytes (HOOKSTREAM_MAX_BODY_BYTES, default 10485760).") var maxBodyBytes: Int?
    @Option(help: "Authenticated requests per minute per org, 0 = off (HOOKSTREAM_API_RATE_LIMIT, default 1000).") var apiRateLimit: Int?
    @Option(help: "Unauthenticated requests per minute per IP, 0 = off (HOOKSTREAM_PUBLIC_RATE_LIMIT, default 60000).") var publicRateLimit: Int?
    @Option(help: "Tools API requests per minute per IP, 0 = off (HOOKSTREAM_TOOLS_RATE_LIMIT, default 60).") var toolsRateLimit: Int?
    @Option(help: "Delivery requests being sent at once, overall (HOOKSTREAM_DELIVERY_CONCURRENCY, default 64).") var deliveryConcurrency: Int?
    @Option(help: "Consecutive failures that open a circuit (HOOKSTREAM_CIRCUIT_FAILURE_THRESHOLD, default 5).") var circuitFailureThreshold: Int?
    @Option(help: "Seconds from open to half-open (HOOKSTREAM_CIRCUIT_COOLDOWN_SECONDS, default 60).") var circuitCooldownSeconds: Double?
    @Option(help: "Quiet seconds before an issue resolves (HOOKSTREAM_ISSUE_AUTO_RESOLVE_SECONDS, default 1800).") var issueAutoResolveSeconds: Double?
    @Option(help: "Seconds between alert rule evaluations (HOOKSTREAM_ALERT_INTERVAL_SECONDS, default 300).") var alertIntervalSeconds: Double?
    @Option(help: "Seconds a triggered alert's condition must stay clear before it resolves (HOOKSTREAM_ALERT_AUTO_RESOLVE_SECONDS, default 1800).")
    var alertAutoResolveSeconds: Double?
    @Option(help: "SMTP server for e-mail channels, smtp[s]://user:pass@host:port (HOOKSTREAM_SMTP_URL).") var smtpURL: String?
    @Option(help: "Sender address of notification e-mails (HOOKSTREAM_SMTP_FROM).") var smtpFrom: String?
    @Option(help: "PEM CA certificate to trust for the SMTP server instead of the system roots (HOOKSTREAM_SMTP_CA_FILE).") var smtpCAFile: String?
    @Option(help: "Days before finished events move to <data-dir>/archive; 0 keeps all (HOOKSTREAM_RETENTION_DAYS, default 30).") var retentionDays: Double?
    @Option(help: "Seconds a finished replay job stays readable (HOOKSTREAM_REPLAY_JOB_TTL_SECONDS, default 86400).") var replayJobTtlSeconds: Double?
    @Option(help: "Events a collection backfill applies per transaction (HOOKSTREAM_COLLECTION_BACKFILL_BATCH_SIZE, default 500).")
    var collectionBackfillBatchSize: Int?
    @Option(help: "Answer ingest straight from the HTTP channel; false routes it through the API router (HOOKSTREAM_INGEST_FAST_PATH, default true).")
    var ingestFastPath: Bool?
    @Option(help: "Refuse private and loopback delivery targets (HOOKSTREAM_DENY_PRIVATE_DESTINATIONS, default false).")
    var denyPrivateDestinations: Bool?
    @Option(help: "What unauthenticated endpoints may call: public, all or off (HOOKSTREAM_PUBLIC_OUTBOUND, default public).")
    var publicOutbound: String?
    @Option(help: "WebSocket heartbeat period; a client silent for two periods is dropped (HOOKSTREAM_WS_HEARTBEAT_SECONDS, default 30).")
    var wsHeartbeatSeconds: Double?
    @Option(help: "Seconds a test session lives (HOOKSTREAM_TEST_SESSION_TTL_SECONDS, default 1209600 = 14 days).")
    var testSessionTtlSeconds: Double?
    @Option(help: "Requests one test session accepts, 429 after (HOOKSTREAM_TEST_SESSION_REQUEST_LIMIT, default 2000).")
    var testSessionRequestLimit: Int?
    @Option(help: "Test sessions one client IP may create per hour (HOOKSTREAM_TEST_SESSIONS_PER_IP_PER_HOUR, default 10).")
    var testSessionsPerIpPerHour: Int?
    @Option(help: "Replication slot lag in bytes past which a database source shows a warning (HOOKSTREAM_CDC_MAX_LAG_BYTES, default 1073741824).")
    var cdcMaxLagBytes: Int64?
    @Option(help: "Rows a database source's snapshot reads and stores per page (HOOKSTREAM_CDC_SNAPSHOT_PAGE_ROWS, default 1000).")
    var cdcSnapshotPageRows: Int?
    @Option(help: "Seconds between measurements of every database source's slot lag, for its capture_lag issue (HOOKSTREAM_CDC_LAG_CHECK_SECONDS, default 60).")
    var cdcLagCheckSeconds: Double?
    @Option(help: "trace, debug, info, notice, warning, error or critical (HOOKSTREAM_LOG_LEVEL, default info).") var logLevel: String?

    func run() async throws {
        var c = ServerConfiguration()
        let env = ProcessInfo.processInfo.environment
        func pick<T>(_ flag: T?, _ name: String, _ parse: (String) -> T?) throws -> T? {
            if let flag { return flag }
            guard let text = env["HOOKSTREAM_" + name], !text.isEmpty else { return nil }
            guard let value = parse(text) else { throw ValidationError("HOOKSTREAM_\(name): invalid value '\(text)'") }
            return value
        }
        let bool: (String) -> Bool? = { ["true": true, "1": true, "yes": true, "false": false, "0": false, "no": false][$0.lowercased()] }
        c.host = try pick(host, "HOST", { $0 }) ?? c.host
        c.port = try pick(port, "PORT", Int.init) ?? c.port
        c.dataDirectory = try pick(dataDir, "DATA_DIR", { $0 }) ?? c.dataDirectory
        c.databaseURL = try pick(databaseURL, "DATABASE_URL", { $0 })
        c.databasePoolSize = try pick(databasePoolSize, "DATABASE_POOL_SIZE", Int.init) ?? c.databasePoolSize
        c.deliveryLeaseSeconds = try pick(deliveryLeaseSeconds, "DELIVERY_LEASE_SECONDS", Double.init) ?? c.deliveryLeaseSeconds
        guard c.deliveryLeaseSeconds >= 1, c.deliveryLeaseSeconds.isFinite else { throw ValidationError("--delivery-lease-seconds must be at least 1") }
        c.baseURL = try pick(baseURL, "BASE_URL", { $0 }).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        c.masterKey = try pick(masterKey, "MASTER_KEY", { $0 })
        c.bootstrapKey = try pick(bootstrapKey, "BOOTSTRAP_KEY", { $0 })
        c.allowSignup = try pick(allowSignup, "ALLOW_SIGNUP", bool) ?? c.allowSignup
        c.trustedProxies = (try pick(trustedProxies, "TRUSTED_PROXIES", { $0 }))
            .map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        c.maxBodyBytes = try pick(maxBodyBytes, "MAX_BODY_BYTES", Int.init) ?? c.maxBodyBytes
        c.apiRateLimit = try pick(apiRateLimit, "API_RATE_LIMIT", Int.init) ?? c.apiRateLimit
        c.publicRateLimit = try pick(publicRateLimit, "PUBLIC_RATE_LIMIT", Int.init) ?? c.publicRateLimit
        c.toolsRateLimit = try pick(toolsRateLimit, "TOOLS_RATE_LIMIT", Int.init) ?? c.toolsRateLimit
        c.deliveryConcurrency = try pick(deliveryConcurrency, "DELIVERY_CONCURRENCY", Int.init) ?? c.deliveryConcurrency
        c.circuitFailureThreshold = try pick(circuitFailureThreshold, "CIRCUIT_FAILURE_THRESHOLD", Int.init) ?? c.circuitFailureThreshold
        c.circuitCooldownSeconds = try pick(circuitCooldownSeconds, "CIRCUIT_COOLDOWN_SECONDS", Double.init) ?? c.circuitCooldownSeconds
        c.issueAutoResolveSeconds = try pick(issueAutoResolveSeconds, "ISSUE_AUTO_RESOLVE_SECONDS", Double.init) ?? c.issueAutoResolveSeconds
        c.alertIntervalSeconds = try pick(alertIntervalSeconds, "ALERT_INTERVAL_SECONDS", Double.init) ?? c.alertIntervalSeconds
        c.alertAutoResolveSeconds = try pick(alertAutoResolveSeconds, "ALERT_AUTO_RESOLVE_SECONDS", Double.init) ?? c.alertAutoResolveSeconds
        c.smtpURL = try pick(smtpURL, "SMTP_URL", { $0 })
        c.smtpFrom = try pick(smtpFrom, "SMTP_FROM", { $0 })
        c.smtpCAFile = try pick(smtpCAFile, "SMTP_CA_FILE", { $0 })
        c.retentionDays = try pick(retentionDays, "RETENTION_DAYS", Double.init) ?? c.retentionDays
        c.replayJobTTLSeconds = try pick(replayJobTtlSeconds, "REPLAY_JOB_TTL_SECONDS", Double.init) ?? c.replayJobTTLSeconds
        c.collectionBackfillBatchSize = try pick(collectionBackfillBatchSize, "COLLECTION_BACKFILL_BATCH_SIZE", Int.init) ?? c.collectionBackfillBatchSize
        guard (1...10_000).contains(c.collectionBackfillBatchSize) else { throw ValidationError("--collection-backfill-batch-size must be 1-10000") }
        c.ingestFastPath = try pick(ingestFastPath, "INGEST_FAST_PATH", bool) ?? c.ingestFastPath
        c.outboundPolicy.denyPrivate = try pick(denyPrivateDestinations, "DENY_PRIVATE_DESTINATIONS", bool) ?? c.outboundPolicy.denyPrivate
        if let reach = try pick(publicOutbound, "PUBLIC_OUTBOUND", { $0 }) {
            guard let value = OutboundPolicy.PublicOutbound(rawValue: reach) else {
                throw ValidationError("--public-outbound must be public, all or off, not '\(reach)'")
            }
            c.outboundPolicy.publicOutbound = value
        }
        c.wsHeartbeatSeconds = try pick(wsHeartbeatSeconds, "WS_HEARTBEAT_SECONDS", Double.init) ?? c.wsHeartbeatSeconds
        c.testSessionTTLSeconds = try pick(testSessionTtlSeconds, "TEST_SESSION_TTL_SECONDS", Double.init) ?? c.testSessionTTLSeconds
        c.testSessionRequestLimit = try pick(testSessionRequestLimit, "TEST_SESSION_REQUEST_LIMIT", Int.init) ?? c.testSessionRequestLimit
        c.testSessionsPerIPPerHour = try pick(testSessionsPerIpPerHour, "TEST_SESSIONS_PER_IP_PER_HOUR", Int.init) ?? c.testSessionsPerIPPerHour
        c.cdcMaxLagBytes = try pick(cdcMaxLagBytes, "CDC_MAX_LAG_BYTES", Int64.init) ?? c.cdcMaxLagBytes
        guard c.cdcMaxLagBytes > 0 else { throw ValidationError("--cdc-max-lag-bytes must be positive") }
        c.cdcSnapshotPageRows = try pick(cdcSnapshotPageRows, "CDC_SNAPSHOT_PAGE_ROWS", Int.init) ?? c.cdcSnapshotPageRows
        guard (1...100_000).contains(c.cdcSnapshotPageRows) else { throw ValidationError("--cdc-snapshot-page-rows must be between 1 and 100000") }
        c.cdcLagCheckSeconds = try pick(cdcLagCheckSeconds, "CDC_LAG_CHECK_SECONDS", Double.init) ?? c.cdcLagCheckSeconds
        guard c.cdcLagCheckSeconds > 0 else { throw ValidationError("--cdc-lag-check-seconds must be positive") }
        c.logLevel = try pick(logLevel, "LOG_LEVEL", { $0 }) ?? c.logLevel
        guard Logger.Level(rawValue: c.logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(c.logLevel)'") }
        guard (0...65535).contains(c.port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard c.alertIntervalSeconds > 0, c.alertIntervalSeconds.isFinite else { throw ValidationError("--alert-interval-seconds must be positive") }
        guard c.alertAutoResolveSeconds >= 0, c.alertAutoResolveSeconds.isFinite else {
            throw ValidationError("--alert-auto-resolve-seconds must be 0 or more")
        }
        guard c.maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }

        let level = Logger.Level(rawValue: c.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server = HookstreamServer(configuration: c)
        let dataDirectory = c.dataDirectory
        try await server.run { listening in
            let (port, generatedKey, baseURL) = (listening.port, listening.generatedKey, listening.baseURL)
            var lines = ["hookstream \(HookstreamVersion.current) listening on \(baseURL) (port \(port))", "data directory: \(dataDirectory)"]
            if let generatedKey {
                lines.append("")
                lines.append("Admin API key (shown once, store it now):")
                lines.append("  \(generatedKey)")
                lines.append("Use it as the X-API-Key header, or: hookstream login --api-key \(generatedKey) --base-url \(baseURL)")
            } else {
                lines.append("authenticate with your API key in the X-API-Key header (or sign up: POST \(baseURL)/v1/auth/signup)")
            }
            print(lines.joined(separator: "\n"))
            flushStandardOutput()
        }
    }
}
