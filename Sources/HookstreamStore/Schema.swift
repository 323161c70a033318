/// The database schema, as numbered migrations applied in order and recorded in the database.
///
/// The SQL here sticks to what SQLite and PostgreSQL both accept: TEXT ids, INTEGER Unix
/// milliseconds, TEXT JSON documents, partial indexes, and one BLOB column (`bytea` on
/// PostgreSQL, the one type name a dialect rewrites). The one exception in the list is
/// migrations `009`, `017` and `031`, SQLite's FTS5 search index: they are defined apart, with
/// the rest of the SQLite-only search SQL, in `SQLiteRecordSearch.swift` (a PostgreSQL store
/// supplies its own search migration in its place). Dialect-specific SQL lives in files named for their
/// dialect, never here. Never edit a released migration; add the next one.
enum Schema {
    static let migrations: [(name: String, sql: String)] = [
        ("001_accounts_sources_events", v1),
        ("002_dedup_keys", v2),
        ("003_destinations", v3),
        ("004_connections", v4),
        ("005_delivery_attempts_issues", v5),
        ("006_held_events", v6),
        ("007_event_archive", eventArchive),
        ("008_collections", collections),
        // SQLite's full-text index; a PostgreSQL store brings its own search migration.
        ("009_collection_record_search", SQLiteRecordSearch.migration),
        ("011_topics", topics),
        ("013_metric_rollups", metricRollups),
        ("012_replay_jobs", replayJobs),
        ("014_collection_backfills", collectionBackfills),
        ("015_notification_channels", notificationChannels),
        ("016_alert_rules", alertRules),
        // SQLite's full-text index brought up to date behind the records (SQLite only too).
        ("017_collection_record_search_backlog", SQLiteRecordSearch.deferredIndexMigration),
        ("018_tool_schedules", toolSchedules),
        ("019_issue_timeline", issueTimeline),
        ("020_database_sources", databaseSources),
        ("021_test_sessions", testSessions),
        ("022_capture_issues", captureIssues),
        ("023_capture_snapshots", captureSnapshots),
        ("024_capture_outcome_counts", captureOutcomeCounts),
        ("025_delivery_order_keys", deliveryOrderKeys),
        ("026_destination_follow_redirects", destinationFollowRedirects),
        ("027_settings", settings),
        ("028_delivery_claims", deliveryClaims),
        ("029_realtime_payloads", realtimePayloads),
        ("030_event_archive_members", eventArchiveMembers),
        // SQLite's full-text index keeps its own text, so the backlog holds ids only (SQLite only).
        ("031_collection_record_search_own_text", SQLiteRecordSearch.ownTextMigration),
        ("032_source_collection_counts", sourceCollectionCounts),
    ]

    /// How many live collections each source feeds, kept by collection create and delete in
    /// their transactions: an insert batch reads it with the source's event count, so it knows
    /// without another query — and exactly, on any node — whether its events have collections
    /// to update (see `SQLStore.insertBatch`).
    static let sourceCollectionCounts = """
        ALTER TABLE sources ADD COLUMN collection_count INTEGER NOT NULL DEFAULT 0;
        \(countSourceCollections);
        """

    /// Sets every source's `collection_count` from its live collections (an import from before
    /// `032` runs it too).
    static let countSourceCollections =
        "UPDATE sources SET collection_count = (SELECT COUNT(*) FROM collections c WHERE c.source_id = sources.id AND c.deleted_at IS NULL)"

    /// Which node holds a pending attempt, until when (`DeliveryLease`): nodes sharing a
    /// database claim attempts in it. NULL on attempts nobody has claimed, and on SQLite,
    /// where one process delivers.
    static let deliveryClaims = """
        ALTER TABLE delivery_attempts ADD COLUMN claimed_by TEXT;
        ALTER TABLE delivery_attempts ADD COLUMN lease_until INTEGER;
        """

    /// Values the whole installation shares, set once by the first node that needs them (the
    /// master key's check value: every node sharing the database must seal with the same key).
    static let settings = """
        CREATE TABLE settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """

    static let v1 = """
        CREATE TABLE organizations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE environments (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            name TEXT,
            password_hash TEXT NOT NULL,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            env_id TEXT NOT NULL REFERENCES environments(id),
            created_at INTEGER NOT NULL
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organizations(id),
            env_id TEXT NOT NULL REFERENCES environments(id),
            user_id TEXT REFERENCES users(id),
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            key_prefix TEXT NOT NULL,
            request_count INTEGER NOT NULL DEFAULT 0,
            revoked INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER
        );
        CREATE INDEX api_keys_by_org ON api_keys(org_id, id);
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            status TEXT NOT NULL,
            template TEXT,
            verification_type TEXT,
            verification_header TEXT,
            verification_secret TEXT,
            previous_secret TEXT,
            previous_secret_expires_at INTEGER,
            dedup_strategy TEXT,
            dedup_field TEXT,
            dedup_window_seconds REAL NOT NULL,
            ip_allowlist TEXT,
            ip_denylist TEXT,
            schema_validation_enabled INTEGER NOT NULL DEFAULT 0,
            json_schema TEXT,
            schema_action TEXT NOT NULL,
            event_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX sources_by_env ON sources(env_id, id);
        CREATE UNIQUE INDEX sources_slug ON sources(env_id, slug) WHERE deleted_at IS NULL;
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            source_id TEXT NOT NULL,
            method TEXT NOT NULL,
            headers TEXT NOT NULL,
            query TEXT NOT NULL,
            content_type TEXT,
            source_ip TEXT,
            body_size INTEGER NOT NULL,
            body BLOB,
            body_blob TEXT,
            status TEXT NOT NULL,
            dedup_status TEXT NOT NULL,
            verification_status TEXT,
            received_at INTEGER NOT NULL
        );
        CREATE INDEX events_by_env ON events(env_id, id);
        CREATE INDEX events_by_source ON events(source_id, id);
        CREATE INDEX events_by_status ON events(env_id, status, id);
        """

    /// Dedup keys live in the database, not in memory, so a duplicate is recognised across
    /// restarts and, with a shared database, across nodes. One row per source and key: the
    /// event that first used the key and when the window closes.
    static let v2 = """
        CREATE TABLE dedup_keys (
            source_id TEXT NOT NULL,
            key_hash TEXT NOT NULL,
            event_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (source_id, key_hash)
        );
        CREATE INDEX dedup_keys_expiry ON dedup_keys(expires_at);
        """

    /// Destinations. `headers` and `signing_config` are sealed text (they carry credentials);
    /// `retry_policy` and `circuit` are JSON documents of the policy types.
    static let v3 = """
        CREATE TABLE destinations (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            type TEXT NOT NULL,
            url TEXT,
            method TEXT NOT NULL,
            headers TEXT,
            timeout_seconds REAL NOT NULL,
            signing_config TEXT,
            provider_config TEXT,
            retry_policy TEXT NOT NULL,
            status TEXT NOT NULL,
            max_concurrency INTEGER,
            circuit TEXT NOT NULL,
            delivery_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX destinations_by_env ON destinations(env_id, id);
        CREATE UNIQUE INDEX destinations_slug ON destinations(env_id, slug) WHERE deleted_at IS NULL;
        """

    /// Connections. `filter_rules` is the JSON array of rules as the API shows it.
    static let v4 = """
        CREATE TABLE connections (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT,
            source_id TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            filter_rules TEXT NOT NULL,
            transform_expression TEXT,
            transform_enabled INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX connections_by_env ON connections(env_id, id);
        CREATE INDEX connections_by_source ON connections(source_id) WHERE deleted_at IS NULL;
        """

    /// The delivery queue and its history in one table: pending rows are scheduled attempts,
    /// claimed per destination in `scheduled_at` order; finished rows are the attempt log.
    /// Issues group failures per destination and error type. `circuit_version` orders circuit
    /// snapshots so a late write never replaces a newer state.
    static let v5 = """
        CREATE TABLE delivery_attempts (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            connection_id TEXT,
            destination_id TEXT NOT NULL,
            status TEXT NOT NULL,
            attempt_number INTEGER NOT NULL,
            scheduled_at INTEGER NOT NULL,
            attempted_at INTEGER,
            status_code INTEGER,
            latency_ms INTEGER,
            error TEXT,
            error_type TEXT,
            request_headers TEXT,
            response_headers TEXT,
            response_body TEXT,
            next_retry_at INTEGER,
            is_dlq INTEGER NOT NULL DEFAULT 0,
            dlq_at INTEGER,
            issue_id TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX delivery_attempts_due ON delivery_attempts(destination_id, scheduled_at, id) WHERE status = 'pending';
        CREATE INDEX delivery_attempts_by_event ON delivery_attempts(event_id, id);
        CREATE INDEX delivery_attempts_by_env ON delivery_attempts(env_id, id);
        CREATE INDEX delivery_attempts_by_destination ON delivery_attempts(destination_id, id);
        CREATE INDEX delivery_attempts_by_issue ON delivery_attempts(issue_id) WHERE issue_id IS NOT NULL;
        CREATE TABLE issues (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            error_type TEXT NOT NULL,
            message TEXT NOT NULL,
            status TEXT NOT NULL,
            occurrence_count INTEGER NOT NULL,
            first_seen_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            recent_attempt_ids TEXT NOT NULL,
            snoozed_until INTEGER,
            resolved_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX issues_by_env ON issues(env_id, status, id);
        CREATE INDEX issues_by_destination ON issues(destination_id, error_type, status);
        ALTER TABLE destinations ADD COLUMN circuit_version INTEGER NOT NULL DEFAULT 0;
        """

    /// Events a paused source received are stored with `status = 'held'` and routed when it
    /// resumes. The held status is the durable marker: a release clears it in the transaction
    /// that writes the event's attempts, so a crash mid-resume neither loses nor doubles a
    /// route. This index finds a source's held events in arrival order and answers "does this
    /// source hold anything" without scanning its history.
    static let v6 = """
        CREATE INDEX events_held ON events(source_id, id) WHERE status = 'held';
        """

    /// Instant Database collections. Records are unique per collection and key and keep the
    /// version they hold (`source_event_at`, `event_id`) so last-write-wins is decided from the
    /// row itself. The stats counters live on the collection row, updated once per batch, so
    /// reading them never counts rows. The changelog is append-only history per record.
    static let collections = """
        CREATE TABLE collections (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            description TEXT,
            source_id TEXT NOT NULL,
            primary_key_path TEXT NOT NULL,
            timestamp_path TEXT,
            record_count INTEGER NOT NULL DEFAULT 0,
            changelog_entries INTEGER NOT NULL DEFAULT 0,
            skipped_older INTEGER NOT NULL DEFAULT 0,
            skipped_no_key INTEGER NOT NULL DEFAULT 0,
            last_sync_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX collections_by_env ON collections(env_id, id);
        CREATE INDEX collections_by_source ON collections(source_id) WHERE deleted_at IS NULL;
        CREATE UNIQUE INDEX collections_slug ON collections(env_id, slug) WHERE deleted_at IS NULL;
        CREATE TABLE collection_records (
            id TEXT PRIMARY KEY,
            collection_id TEXT NOT NULL,
            record_key TEXT NOT NULL,
            data TEXT NOT NULL,
            event_id TEXT NOT NULL,
            source_event_at INTEGER NOT NULL,
            synced_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX collection_records_key ON collection_records(collection_id, record_key);
        CREATE INDEX collection_records_page ON collection_records(collection_id, id);
        CREATE TABLE collection_changelog (
            id TEXT PRIMARY KEY,
            collection_id TEXT NOT NULL,
            record_key TEXT NOT NULL,
            event_id TEXT NOT NULL,
            action TEXT NOT NULL,
            source_event_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX collection_changelog_by_record ON collection_changelog(collection_id, record_key, id);
        """

    /// Topics and their subscriptions. A published event is an ordinary `events` row whose
    /// `source_id` holds its topic's ID (see `Event.topicID`), and a subscription's deliveries
    /// are ordinary attempts whose `connection_id` holds the subscription's ID. Subscriptions
    /// are soft-deleted so a queued delivery still finds its transform.
    static let topics = """
        CREATE TABLE topics (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            description TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX topics_by_env ON topics(env_id, id);
        CREATE UNIQUE INDEX topics_slug ON topics(env_id, slug) WHERE deleted_at IS NULL;
        CREATE TABLE topic_subscriptions (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            topic_id TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            filter_rules TEXT NOT NULL,
            transform_expression TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX topic_subscriptions_by_topic ON topic_subscriptions(topic_id, id) WHERE deleted_at IS NULL;
        """

    /// Hourly rollups the metrics API and alerts read instead of scanning events: one row per
    /// tenant, hour and source (events) or destination (finished attempts), and the latency
    /// histogram of each destination-hour as one row per non-empty bin (see
    /// `LatencyHistogram`). Rows only ever grow by `+=` upserts, so writes from several nodes
    /// add up. Counts of history stored before this migration are filled in from the raw rows;
    /// latency bins start with it (a bin needs a logarithm SQLite does not have).
    static let metricRollups = """
        CREATE TABLE metric_rollups (
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            kind TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            event_count INTEGER NOT NULL DEFAULT 0,
            delivery_count INTEGER NOT NULL DEFAULT 0,
            success_count INTEGER NOT NULL DEFAULT 0,
            failed_count INTEGER NOT NULL DEFAULT 0,
            dlq_count INTEGER NOT NULL DEFAULT 0,
            latency_count INTEGER NOT NULL DEFAULT 0,
            latency_sum INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (org_id, env_id, hour, kind, resource_id)
        );
        CREATE TABLE latency_rollups (
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            destination_id TEXT NOT NULL,
            bin INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (org_id, env_id, hour, destination_id, bin)
        );
        INSERT INTO metric_rollups (org_id, env_id, hour, kind, resource_id, event_count)
            SELECT org_id, env_id, (received_at / 3600000) * 3600000, 'source', source_id, COUNT(*)
            FROM events GROUP BY org_id, env_id, (received_at / 3600000) * 3600000, source_id;
        INSERT INTO metric_rollups (org_id, env_id, hour, kind, resource_id, delivery_count, success_count, failed_count, dlq_count)
            SELECT org_id, env_id, (attempted_at / 3600000) * 3600000, 'destination', destination_id, COUNT(*),
                SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(is_dlq)
            FROM delivery_attempts WHERE attempted_at IS NOT NULL AND status != 'pending'
            GROUP BY org_id, env_id, (attempted_at / 3600000) * 3600000, destination_id;
        """

    /// Replay jobs: settings, progress and the cursor (last event processed) in one row,
    /// updated with each attempt, so a restart resumes after the last recorded event.
    static let replayJobs = """
        CREATE TABLE replay_jobs (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            source_id TEXT,
            from_at INTEGER NOT NULL,
            to_at INTEGER NOT NULL,
            rate_limit INTEGER NOT NULL,
            max_events INTEGER NOT NULL,
            status TEXT NOT NULL,
            total INTEGER NOT NULL,
            processed INTEGER NOT NULL DEFAULT 0,
            succeeded INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            cursor TEXT,
            started_at INTEGER NOT NULL,
            completed_at INTEGER,
            expires_at INTEGER
        );
        CREATE INDEX replay_jobs_by_env ON replay_jobs(env_id, id);
        CREATE INDEX replay_jobs_running ON replay_jobs(status) WHERE status = 'running';
        """

    /// One row per backfill; at most one running per collection (the partial unique index
    /// makes a second start a conflict even when two requests race).
    static let collectionBackfills = """
        CREATE TABLE collection_backfills (
            id TEXT PRIMARY KEY,
            collection_id TEXT NOT NULL,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            status TEXT NOT NULL,
            progress INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL,
            cursor TEXT,
            through_event_id TEXT,
            error TEXT,
            started_at INTEGER NOT NULL,
            completed_at INTEGER
        );
        CREATE INDEX collection_backfills_by_collection ON collection_backfills(collection_id, id);
        CREATE UNIQUE INDEX collection_backfills_running ON collection_backfills(collection_id) WHERE status = 'running';
        """

    /// Notification channels (their settings sealed as one document, see
    /// `NotificationChannel`) and one row per notification sent, with its outcome.
    static let notificationChannels = """
        CREATE TABLE notification_channels (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            config TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX notification_channels_by_env ON notification_channels(env_id, id);
        CREATE TABLE notifications (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            alert_rule_id TEXT,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            status_code INTEGER,
            error TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX notifications_by_channel ON notifications(channel_id, id);
        """

    /// Alert rules with their evaluation state, their `ah_` history, the per-minute rollups
    /// their windows read (kept two days; not back-filled: a rule watches traffic from the
    /// upgrade on), and the lease that lets one node at a time run a cluster job.
    static let alertRules = """
        CREATE TABLE minute_rollups (
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            kind TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            event_count INTEGER NOT NULL DEFAULT 0,
            delivery_count INTEGER NOT NULL DEFAULT 0,
            success_count INTEGER NOT NULL DEFAULT 0,
            failed_count INTEGER NOT NULL DEFAULT 0,
            dlq_count INTEGER NOT NULL DEFAULT 0,
            latency_count INTEGER NOT NULL DEFAULT 0,
            latency_sum INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (org_id, env_id, minute, kind, resource_id)
        );
        CREATE INDEX minute_rollups_by_minute ON minute_rollups(minute);
        CREATE TABLE minute_latency_rollups (
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            destination_id TEXT NOT NULL,
            bin INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (org_id, env_id, minute, destination_id, bin)
        );
        CREATE INDEX minute_latency_rollups_by_minute ON minute_latency_rollups(minute);
        CREATE TABLE alert_rules (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            name TEXT NOT NULL,
            rule_type TEXT NOT NULL,
            rule_config TEXT NOT NULL,
            source_id TEXT,
            destination_id TEXT,
            channel_ids TEXT NOT NULL,
            cooldown_minutes REAL NOT NULL,
            enabled INTEGER NOT NULL,
            triggered INTEGER NOT NULL DEFAULT 0,
            last_triggered_at INTEGER,
            last_condition_at INTEGER,
            last_evaluated_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER
        );
        CREATE INDEX alert_rules_by_env ON alert_rules(env_id, id);
        CREATE TABLE alert_history (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL,
            env_id TEXT NOT NULL,
            alert_rule_id TEXT NOT NULL,
            triggered_at INTEGER NOT NULL,
            resolved_at INTEGER,
            message TEXT NOT NULL
        );
        CREATE INDEX alert_history_by_rule ON alert_history(alert_rule_id, id);
        CREATE TABLE job_leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        );
        """

    /// Webhooks scheduled through the tools API; `claimed_at` is when a node took one to send.
    static let toolSchedules = """
        CREATE TABLE tool_schedules (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            method TEXT NOT NULL,
            sealed_request TEXT NOT NULL,
            fires_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            claimed_at INTEGER,
            response_status INTEGER,
            completed_at INTEGER,
            error TEXT,
            created_at INTEGER NOT NULL,
            client TEXT NOT NULL
        );
        CREATE INDEX tool_schedules_due ON tool_schedules(status, fires_at);
        CREATE INDEX tool_schedules_by_client ON tool_schedules(client, status);
        """

    /// Each issue's changes of state (opened, acknowledged, resolved, auto-resolved, reopened,
    /// snoozed), oldest first; issues opened before it get their `opened` (and `resolved`)
    /// entries from what the issue row knows.
    static let issueTimeline = """
        CREATE TABLE issue_timeline (
            issue_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL,
            message TEXT
        );
        CREATE INDEX issue_timeline_by_issue ON issue_timeline(issue_id, at);
        INSERT INTO issue_timeline (issue_id, at, kind, message) SELECT id, first_seen_at, 'opened', message FROM issues;
        INSERT INTO issue_timeline (issue_id, at, kind) SELECT id, resolved_at, 'resolved' FROM issues WHERE resolved_at IS NOT NULL;
        """

    /// Database sources (PostgreSQL change capture): `sources.type` tells them from webhook
    /// sources; their connection, tables, replication objects and progress live beside.
    /// `confirmed_lsn` is the LSN as a signed 64-bit integer (LSNs stay below 2^63).
    /// Issues of database sources' change capture name their source; their `destination_id`
    /// is empty (the column stays NOT NULL for delivery issues).
    static let captureIssues = """
        ALTER TABLE issues ADD COLUMN source_id TEXT;
        CREATE INDEX issues_by_source ON issues(source_id, error_type, status) WHERE source_id IS NOT NULL;
        """

    /// A database source's snapshot of existing rows and its progress (`CaptureSnapshot` as
    /// JSON), written with every page of rows it stores.
    static let captureSnapshots = """
        ALTER TABLE database_sources ADD COLUMN snapshot TEXT;
        """

    /// A database source's events delivered and failed, counted as event statuses change
    /// (`SQLStore.refreshEventStatuses`) instead of counted over its events on every read;
    /// filled once from the events stored so far.
    static let captureOutcomeCounts = """
        ALTER TABLE database_sources ADD COLUMN events_delivered INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE database_sources ADD COLUMN events_failed INTEGER NOT NULL DEFAULT 0;
        UPDATE database_sources SET
            events_delivered = (SELECT count(*) FROM events WHERE events.source_id = database_sources.source_id AND events.status = 'delivered'),
            events_failed = (SELECT count(*) FROM events WHERE events.source_id = database_sources.source_id AND events.status = 'failed');
        """

    /// Per-row delivery order for captured changes: an event's `order_key` (its table and row
    /// identity) is copied onto each of its attempts, and a pending attempt is not claimed
    /// while an earlier event's attempt with the same key and destination is pending (see
    /// `SQLStore.claimDue`); the index makes that check one seek.
    static let deliveryOrderKeys = """
        ALTER TABLE events ADD COLUMN order_key TEXT;
        ALTER TABLE delivery_attempts ADD COLUMN order_key TEXT;
        CREATE INDEX delivery_attempts_ordered ON delivery_attempts(destination_id, order_key, event_id)
            WHERE status = 'pending' AND order_key IS NOT NULL;
        """

    /// An `http` destination's opt-in to following redirects; existing destinations keep
    /// not following them.
    static let destinationFollowRedirects = """
        ALTER TABLE destinations ADD COLUMN follow_redirects INTEGER NOT NULL DEFAULT 0;
        """

    static let databaseSources = """
        ALTER TABLE sources ADD COLUMN type TEXT NOT NULL DEFAULT 'webhook';
        CREATE TABLE database_sources (
            source_id TEXT PRIMARY KEY REFERENCES sources(id),
            connection_uri TEXT NOT NULL,
            tables TEXT,
            slot_name TEXT NOT NULL,
            publication_name TEXT NOT NULL,
            confirmed_lsn INTEGER NOT NULL DEFAULT 0,
            changes_captured INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_error_at INTEGER
        );
        """

    /// Test sessions. A session's source is an ordinary `sources` row (same ID) in the
    /// anonymous tenant; this row holds what only sessions have. `ended_at` marks a deleted or
    /// claimed session: the row stays until its hour of creation quota has passed, so deleting
    /// sessions does not give an IP more of them. `test_session_events` holds per-event
    /// extras: the status answered, the note and the forwarding result.
    static let testSessions = """
        CREATE TABLE test_sessions (
            id TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            request_limit INTEGER NOT NULL,
            request_count INTEGER NOT NULL DEFAULT 0,
            response_status INTEGER NOT NULL,
            response_content_type TEXT NOT NULL,
            response_body TEXT,
            response_headers TEXT NOT NULL,
            forward_url TEXT,
            creator_ip TEXT NOT NULL,
            ended_at INTEGER
        );
        CREATE INDEX test_sessions_by_expiry ON test_sessions(expires_at);
        CREATE INDEX test_sessions_by_creator ON test_sessions(creator_ip, created_at);
        CREATE TABLE test_session_events (
            event_id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL,
            response_status INTEGER NOT NULL,
            note TEXT,
            forward_url TEXT,
            forward_status INTEGER,
            forward_latency_ms REAL,
            forward_error TEXT,
            forwarded_at INTEGER
        );
        CREATE INDEX test_session_events_by_session ON test_session_events(session_id, event_id);
        """
}
