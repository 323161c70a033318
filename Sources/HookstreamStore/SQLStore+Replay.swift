import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    /// The events a job covers, as SQL conditions on `events` and their arguments. Duplicates
    /// are left out: they were never routed the first time either.
    private static func replayFilter(_ job: ReplayJob) -> (sql: String, arguments: SQLArguments) {
        var sql = "org_id = ? AND env_id = ? AND received_at >= ? AND received_at <= ? AND dedup_status = 'unique'"
        var arguments: SQLArguments = [job.tenant.organizationID, job.tenant.environmentID, job.from, job.to]
        if let sourceID = job.sourceID {
            sql += " AND source_id = ?"
            arguments += [sourceID]
        }
        return (sql, arguments)
    }

    public func createReplayJob(_ job: ReplayJob) async throws -> ReplayJob {
        try await database.write { db in
            var job = job
            let filter = Self.replayFilter(job)
            let matching = try db.fetchValue("SELECT COUNT(*) FROM events WHERE \(filter.sql)", filter.arguments) ?? 0
            job.total = min(matching, job.maxEvents)
            try db.execute(
                """
                    INSERT INTO replay_jobs (id, org_id, env_id, destination_id, source_id, from_at, to_at, rate_limit, max_events, status, total,
                        started_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    job.id, job.tenant.organizationID, job.tenant.environmentID, job.destinationID, job.sourceID, job.from, job.to,
                    job.rateLimit, job.maxEvents, job.status.rawValue, job.total, job.startedAt,
                ])
            return job
        }
    }

    private static let liveJob = "(expires_at IS NULL OR expires_at > ?)"

    public func replayJob(id: String, tenant: Tenant, now: Int64) async throws -> ReplayJob? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM replay_jobs WHERE id = ? AND org_id = ? AND env_id = ? AND \(Self.liveJob)",
                [id, tenant.organizationID, tenant.environmentID, now]
            ).map(Self.replayJob)
        }
    }

    public func replayJobs(tenant: Tenant, now: Int64, beforeID: String?, limit: Int) async throws -> Page<ReplayJob> {
        try await database.read { db in
            var sql = "SELECT * FROM replay_jobs WHERE org_id = ? AND env_id = ? AND \(Self.liveJob)"
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID, now]
            if let beforeID {
                sql += " AND id < ?"
                arguments += [beforeID]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit + 1]
            return Self.page(try db.fetchAll(sql, arguments, Self.replayJob), limit: limit, id: \.id)
        }
    }

    public func runningReplayJobs() async throws -> [ReplayJob] {
        try await database.read { db in
            try db.fetchAll("SELECT * FROM replay_jobs WHERE status = 'running' ORDER BY id", [], Self.replayJob)
        }
    }

    public func replayEvents(_ job: ReplayJob, limit: Int) async throws -> [Event] {
        try await database.read { db in
            let filter = Self.replayFilter(job)
            var sql = "SELECT events.*, NULL AS source_name FROM events WHERE \(filter.sql)"
            var arguments = filter.arguments
            if let cursor = job.cursor {
                sql += " AND id > ?"
                arguments += [cursor]
            }
            // IDs sort by creation time (see `ResourceID`): ID order is arrival order.
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try db.fetchAll(sql, arguments) { Self.storedEvent($0).event }
        }
    }

    public func recordReplayAttempt(jobID: String, eventID: String, attempt a: DeliveryAttempt) async throws -> ReplayJob {
        try await Self.reportingFullDisk {
            try await database.write { db in
                try db.execute(
                    """
                        INSERT INTO delivery_attempts (id, org_id, env_id, event_id, connection_id, destination_id, status, attempt_number,
                            scheduled_at, attempted_at, status_code, latency_ms, error, error_type, request_headers, response_headers,
                            response_body, is_dlq, created_at)
                        VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
                        """,
                    [
                        a.id, a.tenant.organizationID, a.tenant.environmentID, a.eventID, a.destinationID, a.status.rawValue, a.attemptNumber,
                        a.scheduledAt, a.attemptedAt, a.statusCode, a.latencyMs, a.error, a.errorType,
                        a.requestHeaders.map { JSON.object($0).serialized() }, a.responseHeaders.map { JSON.object($0).serialized() },
                        a.responseBody, a.createdAt,
                    ])
                // A replay attempt is a delivery made: the destination's metrics count it.
                var rollups = RollupBatch()
                rollups.countAttempt(a)
                try rollups.write(db)
                let succeeded = a.status == .success ? 1 : 0
                try db.execute(
                    """
                        UPDATE replay_jobs SET processed = processed + 1, succeeded = succeeded + ?, failed = failed + ?, cursor = ?
                        WHERE id = ?
                        """,
                    [succeeded, 1 - succeeded, eventID, jobID])
                guard let row = try db.fetchOne("SELECT * FROM replay_jobs WHERE id = ?", [jobID]) else {
                    throw StoreError.notFound
                }
                return Self.replayJob(row)
            }
        }
    }

    public func finishReplayJob(id: String, tenant: Tenant, status: ReplayJob.Status, at: Int64, expiresAt: Int64) async throws -> ReplayJob {
        try await database.write { db in
            try db.execute(
                """
                    UPDATE replay_jobs SET status = ?, completed_at = ?, expires_at = ?
                    WHERE id = ? AND org_id = ? AND env_id = ? AND status = 'running'
                    """,
                [status.rawValue, at, expiresAt, id, tenant.organizationID, tenant.environmentID])
            guard
                let row = try db.fetchOne(
                    "SELECT * FROM replay_jobs WHERE id = ? AND org_id = ? AND env_id = ?",
                    [id, tenant.organizationID, tenant.environmentID])
            else { throw StoreError.notFound }
            return Self.replayJob(row)
        }
    }

    public func purgeExpiredReplayJobs(now: Int64) async throws {
        try await database.write { db in
            try db.execute("DELETE FROM replay_jobs WHERE expires_at IS NOT NULL AND expires_at <= ?", [now])
        }
    }

    static func replayJob(_ row: SQLRow) -> ReplayJob {
        ReplayJob(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), destinationID: row["destination_id"],
            sourceID: row["source_id"], from: row["from_at"], to: row["to_at"], rateLimit: row["rate_limit"], maxEvents: row["max_events"],
            status: ReplayJob.Status(rawValue: row["status"]) ?? .failed, total: row["total"], processed: row["processed"],
            succeeded: row["succeeded"], failed: row["failed"], cursor: row["cursor"], startedAt: row["started_at"],
            completedAt: row["completed_at"], expiresAt: row["expires_at"])
    }
}
