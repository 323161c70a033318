import Foundation
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle

/// Periodic housekeeping on the injected clock: forgets dedup keys whose window has closed,
/// resolves issues that have been quiet for `--issue-auto-resolve-seconds`, removes the rows of
/// deleted collections, deletes test sessions past `--test-session-ttl-seconds` (with their
/// events and bodies), and archives events past `--retention-days` (shortly after start-up,
/// then hourly).
///
/// One loop runs the jobs one after another, so each job has at most one run at a time; a
/// long retention run delays the next auto-resolve check by at most its own length, and a
/// retention run yields the database writer between its batches.
struct Maintenance: Service {
    let store: any Store
    let issueAutoResolveSeconds: Double
    let logger: Logger
    var clock: any GatewayClock = SystemClock()
    /// `nil` switches retention off (no archiver was configured).
    var archiver: EventArchiver?
    var testSessionTTLSeconds = 1_209_600.0
    /// Where expired test sessions' large bodies are removed from.
    var blobs: BlobStore?
    /// Where auto-resolved issues are announced (the `issues` channel), after their commit.
    var realtime: RealtimeHub?
    /// Set when other nodes share the database: this node's ID, under which it takes a job's
    /// lease before running it, so one node runs each job (the one that keeps renewing it; if
    /// it stops, another takes over once the lease, two intervals, has run out).
    var node: String?

    func run() async throws {
        var schedule = MaintenanceSchedule(
            start: clock.now, issueAutoResolveSeconds: issueAutoResolveSeconds, retention: archiver != nil, testSessionTTLSeconds: testSessionTTLSeconds)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = clock.now
            for job in schedule.takeDue(at: now) where await isMine(job, now: now, interval: schedule.intervals[job] ?? 60) {
                await perform(job, now: now)
            }
            let wake = schedule.nextWake
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: wake) }
            } catch {
                return
            }
        }
    }

    /// How long an expired test session stays (answering 410, readable and exportable) before
    /// the sweep deletes it: its TTL, at most an hour.
    static func expiredSessionGrace(ttlSeconds: Double) -> Double { min(3600, ttlSeconds) }

    private func isMine(_ job: MaintenanceSchedule.Job, now: Date, interval: TimeInterval) async -> Bool {
        guard let node else { return true }
        let millis = Timestamp.millis(now)
        do {
            return try await store.acquireJobLease(name: "maintenance: \(job)", holder: node, now: millis, until: millis + Int64(interval * 2000))
        } catch {
            logger.warning("\(job): could not take its lease", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func perform(_ job: MaintenanceSchedule.Job, now: Date) async {
        do {
            switch job {
            case .dedupPurge:
                try await store.purgeExpiredDedupKeys(now: Timestamp.millis(now))
            case .collectionPurge:
                // Short transactions, so ingest keeps its turn at the writer; at most a million
                // rows per run, the rest on the next one.
                var batches = 0
                while batches < 200, try await store.purgeDeletedCollections(limit: 5000) > 0 { batches += 1 }
            case .testSessionPurge:
                // Batches, so the writer is yielded to ingest between them.
                var batches = 0
                while batches < 100 {
                    let (deleted, keys) = try await store.purgeExpiredTestSessions(
                        expiredBefore: Timestamp.millis(now.addingTimeInterval(-Self.expiredSessionGrace(ttlSeconds: testSessionTTLSeconds))),
                        now: Timestamp.millis(now), limit: 50)
                    for key in keys { blobs?.remove(key: key) }
                    if deleted > 0 { logger.info("test sessions: deleted expired sessions", metadata: ["sessions": "\(deleted)"]) }
                    guard deleted == 50 else { break }
                    batches += 1
                }
            case .issueAutoResolve:
                let quietSince = now.addingTimeInterval(-issueAutoResolveSeconds)
                let resolved = try await store.resolveQuietIssues(quietSince: Timestamp.millis(quietSince), now: Timestamp.millis(now))
                for issue in resolved { realtime?.issueChanged(issue) }
            case .retention:
                guard let archiver, let summary = try await archiver.run(now: Timestamp.millis(now)) else { return }
                if summary.archivedEvents > 0 || summary.conflicts > 0 || summary.stoppedEarly {
                    logger.info(
                        "retention: archived events",
                        metadata: [
                            "events": "\(summary.archivedEvents)", "batches": "\(summary.batches)", "conflicts": "\(summary.conflicts)",
                            "more_left": "\(summary.stoppedEarly)",
                        ])
                }
            }
        } catch {
            logger.warning("\(job) failed", metadata: ["error": "\(error)"])
        }
    }
}

/// When each maintenance job is next due, with no I/O: the loop asks which jobs are due now
/// and how long it may sleep.
struct MaintenanceSchedule: Sendable {
    enum Job: String, Sendable, CaseIterable, CustomStringConvertible {
        case dedupPurge = "dedup key purge"
        case issueAutoResolve = "issue auto-resolve"
        case collectionPurge = "deleted collection purge"
        case testSessionPurge = "expired test session purge"
        case retention = "retention"

        var description: String { rawValue }
    }

    /// The first retention run waits this long after start-up, so a restart under load serves
    /// its backlog first; then it runs hourly.
    static let retentionFirstDelay: TimeInterval = 60
    static let retentionInterval: TimeInterval = 3600
    static let dedupPurgeInterval: TimeInterval = 60
    static let collectionPurgeInterval: TimeInterval = 60

    private(set) var next: [Job: Date]
    let intervals: [Job: TimeInterval]

    init(start: Date, issueAutoResolveSeconds: Double, retention: Bool, testSessionTTLSeconds: Double = 1_209_600) {
        // Often enough that an issue resolves within a small fraction of its quiet time (tests
        // use seconds), never less often than every 30 s.
        var intervals: [Job: TimeInterval] = [
            .dedupPurge: Self.dedupPurgeInterval, .issueAutoResolve: min(30, max(0.2, issueAutoResolveSeconds / 4)),
            .collectionPurge: Self.collectionPurgeInterval,
            // An expired session answers 410 until its grace has passed and this runs, then
            // 404: checked often enough for TTLs of seconds (tests), at least every minute.
            .testSessionPurge: min(60, max(0.2, testSessionTTLSeconds / 4)),
        ]
        var next: [Job: Date] = [.dedupPurge: start, .issueAutoResolve: start, .collectionPurge: start, .testSessionPurge: start]
        if retention {
            intervals[.retention] = Self.retentionInterval
            next[.retention] = start.addingTimeInterval(Self.retentionFirstDelay)
        }
        self.intervals = intervals
        self.next = next
    }

    /// The jobs due at `now`, in a fixed order, each rescheduled one interval after `now` (a
    /// clock that jumped ahead runs a job once, not once per missed interval).
    mutating func takeDue(at now: Date) -> [Job] {
        let due = Job.allCases.filter { job in next[job].map { $0 <= now } ?? false }
        for job in due { next[job] = now.addingTimeInterval(intervals[job]!) }
        return due
    }

    /// When the earliest job is due.
    var nextWake: Date { next.values.min()! }
}
