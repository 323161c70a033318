import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs replay jobs: one task per running job, each reading its events in bounded batches
/// after the job's stored cursor, pacing sends with ``ReplayPacer`` on the injected clock, and
/// recording each attempt together with the job's progress. At start it resumes every job the
/// database says is running; at shutdown it stops them between two events (they resume on the
/// next start). It also forgets finished jobs once their TTL is up.
final class ReplayRunner: Service, Sendable {
    let store: any Store
    let delivery: DeliveryEngine
    let clock: any GatewayClock
    /// How long a finished job stays readable (`--replay-job-ttl-seconds`).
    let ttlMillis: Int64
    let logger: Logger
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    /// Events read per batch: never more than this held in memory per job.
    static let batchSize = 100

    init(store: any Store, delivery: DeliveryEngine, clock: any GatewayClock, ttlSeconds: Double, logger: Logger) {
        self.store = store
        self.delivery = delivery
        self.clock = clock
        self.ttlMillis = Int64((ttlSeconds * 1000).rounded())
        self.logger = logger
    }

    func run() async throws {
        do {
            for job in try await store.runningReplayJobs() { start(job) }
        } catch {
            logger.error("could not resume replay jobs", metadata: ["error": "\(error)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await store.purgeExpiredReplayJobs(now: clock.nowMillis)
            } catch {
                logger.warning("could not purge expired replay jobs", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: .seconds(60)) }
            } catch {
                break
            }
        }
        // Stopped jobs stay `running` in the database: the next start resumes them.
        let running = tasks.withLock { t in
            let all = Array(t.values)
            t.removeAll()
            return all
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// Starts driving a running job (no-op when this job is already being driven).
    func start(_ job: ReplayJob) {
        tasks.withLock { t in
            guard t[job.id] == nil else { return }
            t[job.id] = Task {
                await self.drive(job)
                _ = self.tasks.withLock { $0.removeValue(forKey: job.id) }
            }
        }
    }

    /// Stops driving a job (it was cancelled through the API); an event in flight is not
    /// recorded.
    func stop(jobID: String) {
        tasks.withLock { $0.removeValue(forKey: jobID) }?.cancel()
    }

    private func drive(_ initial: ReplayJob) async {
        var job = initial
        var pacer = ReplayPacer(rateLimit: job.rateLimit)
        while !Task.isCancelled {
            do {
                let ended = try await advance(&job, pacer: &pacer)
                if let ended { _ = try await finish(job, ended) }
                return
            } catch is CancellationError {
                return
            } catch {
                // A storage fault: wait and go on from what the database holds.
                logger.error("replay job stalled", metadata: ["job_id": "\(job.id)", "error": "\(error)"])
                do {
                    try await clock.sleep(for: .seconds(5))
                    guard let stored = try await store.replayJob(id: job.id, tenant: job.tenant, now: clock.nowMillis), stored.status == .running
                    else { return }
                    job = stored
                } catch {
                    return
                }
            }
        }
    }

    /// Sends the job's remaining events. Returns how the job ended, or `nil` when it was
    /// cancelled meanwhile (through the API: already recorded as such).
    private func advance(_ job: inout ReplayJob, pacer: inout ReplayPacer) async throws -> ReplayJob.Status? {
        while job.remaining > 0 {
            let batch = try await store.replayEvents(job, limit: min(Self.batchSize, job.remaining))
            // Fewer events than counted at creation (retention archived some): done.
            if batch.isEmpty { break }
            for event in batch where job.remaining > 0 {
                try await waitForTurn(&pacer, remaining: job.remaining)
                guard let destination = try await store.deliveryDestination(id: job.destinationID)?.destination else { return .failed }
                let attempt = try await delivery.deliverOnce(event, to: destination)
                // Shutdown or cancel during the send: not recorded, so a resumed job sends it again.
                try Task.checkCancellation()
                job = try await store.recordReplayAttempt(jobID: job.id, eventID: event.id, attempt: attempt)
                if job.status != .running { return nil }
            }
        }
        return .completed
    }

    private func waitForTurn(_ pacer: inout ReplayPacer, remaining: Int) async throws {
        while true {
            switch pacer.next(now: clock.nowMillis, remaining: remaining) {
            case .send, .finish: return
            case .wait(let until): try await clock.sleep(untilMillis: until)
            }
        }
    }

    /// Ends a running job; returns it as stored.
    func finish(_ job: ReplayJob, _ status: ReplayJob.Status) async throws -> ReplayJob {
        let now = clock.nowMillis
        return try await store.finishReplayJob(id: job.id, tenant: job.tenant, status: status, at: now, expiresAt: now + ttlMillis)
    }
}
