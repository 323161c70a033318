public import HookstreamCore

/// Replay jobs and the reads and writes their runner makes. A job's progress is written in the
/// transaction that records each attempt, so after a crash the job resumes right after the
/// last event whose attempt was kept.
public protocol ReplayStore: Sendable {
    /// Stores a new running job with its `total`: the unique (not duplicate) events of the
    /// window (and source) in the job's environment, capped at `maxEvents`. Returns the job.
    func createReplayJob(_ job: ReplayJob) async throws -> ReplayJob
    /// A job that has not expired at `now`.
    func replayJob(id: String, tenant: Tenant, now: Int64) async throws -> ReplayJob?
    func replayJobs(tenant: Tenant, now: Int64, beforeID: String?, limit: Int) async throws -> Page<ReplayJob>
    /// Every running job (start-up: resume them).
    func runningReplayJobs() async throws -> [ReplayJob]
    /// The job's next events after its cursor, oldest first (at most `limit`).
    func replayEvents(_ job: ReplayJob, limit: Int) async throws -> [Event]
    /// In one transaction: stores the finished attempt for `eventID` and advances the job
    /// (processed, succeeded or failed, cursor). Returns the job as stored.
    func recordReplayAttempt(jobID: String, eventID: String, attempt: DeliveryAttempt) async throws -> ReplayJob
    /// Ends a running job with `status`; a job that is not running is left as it is. Returns it.
    /// - Throws: `StoreError.notFound` for an unknown (or other tenant's) job.
    func finishReplayJob(id: String, tenant: Tenant, status: ReplayJob.Status, at: Int64, expiresAt: Int64) async throws -> ReplayJob
    /// Forgets finished jobs whose time is up.
    func purgeExpiredReplayJobs(now: Int64) async throws
}
