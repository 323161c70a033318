import Foundation
public import HookstreamCore
public import HookstreamStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Delivers pending attempts: claims them from the store per destination, sends them through
/// the destination type's provider, and records each result (group-committed) with its retry,
/// dead-lettering, issue and circuit breaker consequences.
///
/// The queue lives in the database; in memory there is one small ``Lane`` per destination with
/// work: when its next attempt is due, what is in flight, and its circuit breaker. Nothing
/// polls: the dispatch loop sleeps until a lane is due or it is woken — by ingest committing
/// new deliveries (``wake(destinationID:)``), a finished attempt freeing a slot, or an API
/// change to a destination — so a newly routed event is sent within milliseconds.
///
/// Concurrency is bounded overall (`--delivery-concurrency`) and per destination
/// (`max_concurrency`). A destination's retries sit in the database with their own due time,
/// so one failing destination never delays another.
public final class DeliveryEngine: Service, Sendable {
    public struct Configuration: Sendable {
        public var concurrency: Int
        public var circuit: CircuitBreaker.Configuration
        /// How long a destination's settings are trusted before being re-read (changes made
        /// through this node's API apply at once via ``destinationChanged(_:)``).
        public var refreshInterval: Duration
        /// How long shutdown waits for in-flight attempts before abandoning them (they stay
        /// pending and are sent again after restart).
        public var shutdownGrace: Duration

        public init(
            concurrency: Int = 64, circuit: CircuitBreaker.Configuration = .default, refreshInterval: Duration = .seconds(5),
            shutdownGrace: Duration = .seconds(5)
        ) {
            self.concurrency = max(1, concurrency)
            self.circuit = circuit
            self.refreshInterval = refreshInterval
            self.shutdownGrace = shutdownGrace
        }
    }

    struct Lane {
        var runtime: DestinationRuntime?
        var loadedAt: ContinuousClock.Instant?
        var circuit = CircuitBreaker()
        var circuitVersion: Int64 = 0
        /// When the earliest pending attempt not in flight is due (Unix ms); `nil` = none known.
        var nextDue: Int64?
        /// Bumped by every wake, so a claim query that started earlier cannot erase it.
        var generation = 0
        var inFlight: Set<String> = []
        var probe: String?
        /// Set when held deliveries are released (resume, circuit closed or reset): attempts
        /// scheduled up to this time (Unix ms) are the held backlog, sent one at a time, oldest
        /// first, so the receiver gets them in ingest order; later work flows concurrently again.
        var drainUntil: Int64?
    }

    struct State {
        var lanes: [String: Lane] = [:]
        var inFlight = 0
        var timer: Task<Void, Never>?
    }

    let store: any Store
    let secrets: SecretBox
    let blobs: BlobStore
    let providers: [String: any DeliveryProvider]
    let configuration: Configuration
    let logger: Logger
    let recorder: GroupCommitWriter<AttemptResult, Void>
    /// Told about every attempt result once it is committed (the server feeds `/metrics`).
    let onRecorded: @Sendable (AttemptResult) -> Void
    let transforms = TransformCache()
    let state = Mutex(State())
    private let signals: AsyncStream<Void>
    private let signalInput: AsyncStream<Void>.Continuation

    public init(
        store: any Store, secrets: SecretBox, blobs: BlobStore, providers: [String: any DeliveryProvider], configuration: Configuration,
        logger: Logger, onRecorded: @escaping @Sendable (AttemptResult) -> Void = { _ in }
    ) {
        self.store = store
        self.secrets = secrets
        self.blobs = blobs
        self.providers = providers
        self.configuration = configuration
        self.logger = logger
        self.onRecorded = onRecorded
        self.recorder = GroupCommitWriter(name: "delivery results", logger: logger) { results in
            try await store.recordAttemptResults(results)
            return results.map { _ in () }
        }
        (signals, signalInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The group-commit writer of attempt results; run it as a service that outlives the engine.
    public var resultWriter: some Service { recorder }

    // MARK: - Notifications

    /// New pending attempts for this destination are committed and due now.
    public func wake(destinationID: String) {
        let now = Timestamp.millis(Date())
        state.withLock { s in
            var lane = s.lanes[destinationID] ?? Lane()
            lane.nextDue = min(lane.nextDue ?? now, now)
            lane.generation += 1
            s.lanes[destinationID] = lane
        }
        signal()
    }

    /// The destination was changed, paused, resumed or deleted through the API: re-read it
    /// before the next claim, and look for work it may now be able to do.
    public func destinationChanged(_ destinationID: String) {
        state.withLock { s in
            guard var lane = s.lanes[destinationID] else { return }
            lane.loadedAt = nil
            lane.nextDue = lane.nextDue ?? 0
            lane.generation += 1
            s.lanes[destinationID] = lane
        }
        signal()
    }

    /// `POST /v1/destinations/:id/circuit/reset`: closes the circuit now and lets held
    /// deliveries flow. Returns the circuit as it now is.
    public func resetCircuit(destination: Destination) async throws -> CircuitBreaker {
        let now = Date()
        let (circuit, version) = try await currentCircuit(destination)
        let reset = state.withLock { s -> (CircuitBreaker, Int64) in
            var lane = s.lanes[destination.id] ?? Lane(circuit: circuit, circuitVersion: version)
            if lane.runtime == nil && lane.circuitVersion < version { (lane.circuit, lane.circuitVersion) = (circuit, version) }
            _ = lane.circuit.reset(at: now)
            lane.circuitVersion += 1
            lane.probe = nil
            lane.drainUntil = Timestamp.millis(now)
            lane.nextDue = lane.nextDue ?? 0
            lane.generation += 1
            s.lanes[destination.id] = lane
            return (lane.circuit, lane.circuitVersion)
        }
        try await store.saveCircuit(destinationID: destination.id, circuit: reset.0, version: reset.1)
        signal()
        return reset.0
    }

    /// The circuit as the engine holds it (its in-memory state is the newest), else as stored.
    public func circuit(of destination: Destination) async throws -> CircuitBreaker {
        try await currentCircuit(destination).0
    }

    private func currentCircuit(_ destination: Destination) async throws -> (CircuitBreaker, Int64) {
        if let held = state.withLock({ s in s.lanes[destination.id].flatMap { $0.runtime == nil ? nil : ($0.circuit, $0.circuitVersion) } }) {
            return held
        }
        let stored = try await store.deliveryDestination(id: destination.id)
        return (stored?.destination.circuit ?? destination.circuit, stored?.circuitVersion ?? 0)
    }

    func signal() {
        signalInput.yield()
    }

    // MARK: - Dispatch loop

    public func run() async throws {
        let heads = try await store.pendingDestinations()
        state.withLock { s in
            for (destinationID, due) in heads {
                var lane = s.lanes[destinationID] ?? Lane()
                lane.nextDue = min(lane.nextDue ?? due, due)
                s.lanes[destinationID] = lane
            }
        }
        logger.info("delivery engine started", metadata: ["destinations_with_work": "\(heads.count)"])
        signal()
        await withDiscardingTaskGroup { group in
            for await _ in signals.cancelOnGracefulShutdown() {
                let (claims, wakeAt) = await dispatch()
                for claim in claims {
                    group.addTask { await self.attempt(claim) }
                }
                schedule(wakeAt)
            }
            state.withLock { $0.timer?.cancel() }
            // Let in-flight attempts finish (and be recorded) for a short while; whatever is
            // still running after that is abandoned, stays pending, and is sent after restart.
            let deadline = ContinuousClock.now + configuration.shutdownGrace
            while state.withLock({ $0.inFlight }) > 0 && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
        for provider in providers.values { await provider.shutdown() }
        logger.info("delivery engine stopped")
    }

    /// Wakes the loop at `millis` (Unix ms) unless something wakes it earlier.
    private func schedule(_ millis: Int64?) {
        state.withLock { s in
            s.timer?.cancel()
            s.timer = nil
            guard let millis else { return }
            let delay = max(0, millis - Timestamp.millis(Date()))
            s.timer = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(delay))
                if !Task.isCancelled { self?.signal() }
            }
        }
    }

    /// One pass over the lanes: claims what is due and allowed, and returns the claims to
    /// start with the time the next lane becomes due.
    private func dispatch() async -> ([Claim], Int64?) {
        var claims: [Claim] = []
        var wakeAt: Int64?
        func wake(at millis: Int64) { wakeAt = min(wakeAt ?? millis, millis) }
        let laneIDs = state.withLock { s in s.lanes.filter { $0.value.nextDue != nil }.map(\.key) }
        for destinationID in laneIDs {
            do {
                guard let plan = try await plan(destinationID) else { continue }
                switch plan {
                case .wait(let until):
                    wake(at: until)
                case .claim(let limit, let probe, let generation, let excluding):
                    let now = Timestamp.millis(Date())
                    let batch = try await store.claimDue(destinationID: destinationID, now: now, limit: limit, excluding: excluding)
                    claims += start(batch.attempts, destinationID: destinationID, probe: probe, generation: generation, next: batch.nextDue)
                    if let next = batch.nextDue, next > now { wake(at: next) }
                }
            } catch {
                logger.error("delivery dispatch failed", metadata: ["destination_id": "\(destinationID)", "error": "\(error)"])
                wake(at: Timestamp.millis(Date()) + 1000)
            }
        }
        return (claims, wakeAt)
    }

    enum Plan {
        case wait(until: Int64)
        case claim(limit: Int, probe: Bool, generation: Int, excluding: Set<String>)
    }

    /// Decides what a lane may do now; loads (or reloads) its destination first when needed.
    /// `nil` = nothing to do until something wakes the loop.
    private func plan(_ destinationID: String) async throws -> Plan? {
        let stale = state.withLock { s -> Bool in
            guard let lane = s.lanes[destinationID] else { return false }
            guard let loaded = lane.loadedAt else { return true }
            return ContinuousClock.now - loaded > configuration.refreshInterval
        }
        if stale {
            guard let stored = try await store.deliveryDestination(id: destinationID) else {
                // Deleted: its pending attempts are marked, not silently dropped.
                try await store.cancelPendingAttempts(destinationID: destinationID, at: Timestamp.millis(Date()))
                state.withLock { s in
                    if s.lanes[destinationID]?.inFlight.isEmpty ?? true { s.lanes[destinationID] = nil } else { s.lanes[destinationID]?.nextDue = nil }
                }
                return nil
            }
            let runtime = try DestinationRuntime(stored.destination, secrets: secrets)
            state.withLock { s in
                guard var lane = s.lanes[destinationID] else { return }
                if lane.runtime == nil && stored.circuitVersion >= lane.circuitVersion {
                    // First load in this process: a probe in flight before a restart is lost.
                    lane.circuit = stored.destination.circuit
                    _ = lane.circuit.abandonProbe()
                    lane.circuitVersion = stored.circuitVersion
                }
                if lane.runtime?.destination.status == "paused" && runtime.destination.status == "active" {
                    lane.drainUntil = Timestamp.millis(Date())
                }
                lane.runtime = runtime
                lane.loadedAt = .now
                s.lanes[destinationID] = lane
            }
        }
        let now = Timestamp.millis(Date())
        return state.withLock { s -> Plan? in
            guard let lane = s.lanes[destinationID], let runtime = lane.runtime, let due = lane.nextDue else { return nil }
            guard runtime.destination.status == "active" else { return nil }
            guard due <= now else { return .wait(until: due) }
            let perDestination = lane.drainUntil != nil ? 1 : runtime.destination.maxConcurrency ?? configuration.concurrency
            let free = min(perDestination - lane.inFlight.count, configuration.concurrency - s.inFlight)
            guard free > 0 else { return nil }
            switch lane.circuit.state {
            case .closed:
                return .claim(limit: free, probe: false, generation: lane.generation, excluding: lane.inFlight)
            case .open:
                if let ends = lane.circuit.cooldownEnds(configuration: configuration.circuit), ends > Date() {
                    return .wait(until: Timestamp.millis(ends))
                }
                return lane.probe == nil ? .claim(limit: 1, probe: true, generation: lane.generation, excluding: lane.inFlight) : nil
            case .halfOpen:
                return lane.probe == nil ? .claim(limit: 1, probe: true, generation: lane.generation, excluding: lane.inFlight) : nil
            }
        }
    }

    struct Claim: Sendable {
        var claimed: ClaimedAttempt
        var runtime: DestinationRuntime
        var isProbe: Bool
    }

    /// Marks claimed attempts in flight (the probe takes the circuit's single slot) and records
    /// where the lane's queue continues.
    private func start(_ found: [ClaimedAttempt], destinationID: String, probe: Bool, generation: Int, next: Int64?) -> [Claim] {
        let now = Date()
        var persist: (CircuitBreaker, Int64)?
        let claims = state.withLock { s -> [Claim] in
            guard var lane = s.lanes[destinationID], let runtime = lane.runtime else { return [] }
            var claims: [Claim] = []
            for item in found {
                var isProbe = false
                if probe {
                    guard case .sendProbe = lane.circuit.requestPermission(at: now, configuration: configuration.circuit) else { break }
                    lane.circuitVersion += 1
                    persist = (lane.circuit, lane.circuitVersion)
                    lane.probe = item.attempt.id
                    isProbe = true
                }
                lane.inFlight.insert(item.attempt.id)
                s.inFlight += 1
                claims.append(Claim(claimed: item, runtime: runtime, isProbe: isProbe))
            }
            // The held backlog is over once the oldest due attempt was scheduled after the
            // release (or nothing is due).
            if let drainUntil = lane.drainUntil, found.first.map({ $0.attempt.scheduledAt > drainUntil }) ?? true {
                lane.drainUntil = nil
            }
            // A wake that arrived while the claim query ran means new work is due now.
            lane.nextDue = lane.generation == generation ? next : Timestamp.millis(now)
            s.lanes[destinationID] = lane
            return claims
        }
        if let (circuit, version) = persist {
            Task { try? await store.saveCircuit(destinationID: destinationID, circuit: circuit, version: version) }
        }
        return claims
    }
}
