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
/// Concurrency model: every decision — which destination to load or claim for, how many
/// attempts, when to sleep, how a circuit moves — is made by ``DeliveryScheduler``, a value
/// type kept under one lock and never held across an `await`. This class is the I/O shell
/// around it:
/// - one dispatch loop runs the scheduler's loads and claims (store reads) one after another,
///   feeding each result back, until only a sleep is left; it then waits for a signal;
/// - each claimed attempt runs as a child task of the loop's task group (prepare, send,
///   record); its slot is freed once its result is committed;
/// - every write the engine makes — attempt results and circuit changes (a probe handed out, a
///   reset) — goes through one group-commit writer, in the order the scheduler made them, so
///   the stored circuit never lags behind the results (a stored circuit is only replaced by a
///   newer version);
/// - time comes from the injected ``GatewayClock``: the loop sleeps until the next due time on
///   it, and cooldowns, retries and timestamps read it, so tests move time by hand.
///
/// Nothing polls: the loop is signalled by ingest committing new deliveries
/// (``wake(destinationID:)``), a recorded attempt freeing a slot, an API change to a destination
/// (``destinationChanged(_:)``) or the clock reaching the next due time. Concurrency is bounded
/// overall (`--delivery-concurrency`, shared evenly between destinations that want slots) and
/// per destination (`max_concurrency`); a destination's retries wait in the database with their
/// own due time, so one failing destination never delays another.
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
        /// Set when other nodes deliver from the same database (see ``Sharing``).
        public var sharing: Sharing?
        /// How often a single node looks at every destination's due work behind the wakes
        /// that normally start it: should a wake ever be lost to a race, deliveries wait this
        /// long at most instead of until the next event. (Shared, ``Sharing/pollInterval``.)
        public var sweepInterval: Duration

        public init(
            concurrency: Int = 64, circuit: CircuitBreaker.Configuration = .default, refreshInterval: Duration = .seconds(5),
            shutdownGrace: Duration = .seconds(5), sharing: Sharing? = nil, sweepInterval: Duration = .seconds(10)
        ) {
            self.concurrency = max(1, concurrency)
            self.circuit = circuit
            self.refreshInterval = refreshInterval
            self.shutdownGrace = shutdownGrace
            self.sharing = sharing
            self.sweepInterval = sweepInterval
        }
    }

    /// Delivering beside other nodes on one database: every claim takes a lease in the store
    /// under this node's ID, renewed every third of its length while the attempt runs, so a
    /// node that dies gives its attempts back when the lease runs out. Work other nodes
    /// commit reaches this one through ``wake(destinationID:)`` (the database's notifications)
    /// and, as a safety net, a look at every destination's pending work each `pollInterval`
    /// (which is also what finds the attempts of a dead node).
    public struct Sharing: Sendable {
        public var node: String
        public var lease: Duration
        public var pollInterval: Duration

        public init(node: String, lease: Duration = .seconds(30), pollInterval: Duration = .seconds(2)) {
            self.node = node
            self.lease = lease
            self.pollInterval = pollInterval
        }

        func lease(from now: Int64) -> DeliveryLease {
            let length = lease.components
            return DeliveryLease(node: node, until: now + length.seconds * 1000 + length.attoseconds / 1_000_000_000_000_000)
        }
    }

    struct State {
        var scheduler: DeliveryScheduler
        var timer: Task<Void, Never>?
        /// Resumed when the last in-flight attempt is released during shutdown.
        var idle: CheckedContinuation<Void, Never>?
        /// The shutdown grace is over: nobody waits for idle any more.
        var graceOver = false
        /// Committed attempts handed off by ingest, for the dispatch loop to start.
        var handedOff: [Claim] = []
    }

    let store: any Store
    let secrets: SecretBox
    let blobs: BlobStore
    let providers: [String: any DeliveryProvider]
    /// The settings schema of each type that has one, to open a destination's credentials.
    let schemas: [String: ProviderConfigSchema]
    let configuration: Configuration
    let clock: any GatewayClock
    let logger: Logger
    let recorder: GroupCommitWriter<DeliveryRecord, Void>
    /// Told about every attempt result, with its destination, once it is committed (the
    /// server feeds `/metrics` and the real-time streams).
    let onRecorded: @Sendable (AttemptResult, Destination) -> Void
    /// Told how many attempts start, and where they came from (the server counts them for
    /// `/metrics`: live traffic that keeps coming from the store means its lanes lag behind).
    let onStarted: @Sendable (StartedFrom, Int) -> Void
    let transforms = TransformCache()
    let state: Mutex<State>
    private let signals: AsyncStream<Void>
    private let signalInput: AsyncStream<Void>.Continuation

    public init(
        store: any Store, secrets: SecretBox, blobs: BlobStore, providers: [String: any DeliveryProvider],
        schemas: [String: ProviderConfigSchema] = [:], configuration: Configuration,
        clock: any GatewayClock = SystemClock(), logger: Logger, onRecorded: @escaping @Sendable (AttemptResult, Destination) -> Void = { _, _ in },
        onStarted: @escaping @Sendable (StartedFrom, Int) -> Void = { _, _ in }
    ) {
        self.store = store
        self.secrets = secrets
        self.blobs = blobs
        self.providers = providers
        self.schemas = schemas
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.onRecorded = onRecorded
        self.onStarted = onStarted
        let refresh = configuration.refreshInterval.components
        self.state = Mutex(
            State(
                scheduler: DeliveryScheduler(
                    configuration: .init(
                        concurrency: configuration.concurrency, circuit: configuration.circuit,
                        refreshMillis: refresh.seconds * 1000 + refresh.attoseconds / 1_000_000_000_000_000, shared: configuration.sharing != nil))))
        self.recorder = GroupCommitWriter(name: "delivery results", logger: logger) { records in
            try await store.recordDelivery(records)
            return records.map { _ in () }
        }
        (signals, signalInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The group-commit writer of attempt results; run it as a service that outlives the engine.
    public var resultWriter: some Service { recorder }

    // MARK: - Notifications

    /// New pending attempts for this destination are committed and due now.
    public func wake(destinationID: String) {
        let now = clock.nowMillis
        state.withLock { $0.scheduler.woken(destinationID: destinationID, now: now) }
        signal()
    }

    /// The destination was changed, paused, resumed or deleted through the API: re-read it
    /// before the next claim, and look for work it may now be able to do.
    public func destinationChanged(_ destinationID: String) {
        state.withLock { $0.scheduler.destinationChanged(destinationID) }
        signal()
    }

    /// `POST /v1/destinations/:id/circuit/reset`: closes the circuit now and lets held
    /// deliveries flow. Returns the circuit as it now is, once it is stored.
    public func resetCircuit(destination: Destination) async throws -> CircuitBreaker {
        let stored = try await currentCircuit(destination)
        let now = clock.nowMillis
        let change = state.withLock { $0.scheduler.resetCircuit(destinationID: destination.id, stored: stored, now: now) }
        try await recorder.submit(.circuit(destinationID: change.destinationID, circuit: change.circuit, version: change.version))
        signal()
        return change.circuit
    }

    /// The circuit as the engine holds it (its in-memory state is the newest), else as stored.
    public func circuit(of destination: Destination) async throws -> CircuitBreaker {
        try await currentCircuit(destination).0
    }

    private func currentCircuit(_ destination: Destination) async throws -> (CircuitBreaker, Int64) {
        if let held = state.withLock({ $0.scheduler.heldCircuit(destination.id) }) { return held }
        let stored = try await store.deliveryDestination(id: destination.id)
        return (stored?.destination.circuit ?? destination.circuit, stored?.circuitVersion ?? 0)
    }

    func signal() {
        signalInput.yield()
    }

    // MARK: - Dispatch loop

    public func run() async throws {
        let heads = try await store.pendingDestinations()
        state.withLock { $0.scheduler.started(heads: heads) }
        logger.info("delivery engine started", metadata: ["destinations_with_work": "\(heads.count)"])
        signal()
        await withDiscardingTaskGroup { group in
            if let sharing = configuration.sharing { group.addTask { await self.renewLeases(sharing) } }
            let sweep = configuration.sharing?.pollInterval ?? configuration.sweepInterval
            group.addTask { await self.lookForWork(every: sweep) }
            for await _ in signals.cancelOnGracefulShutdown() {
                await dispatch { claims, inOrder in
                    if inOrder {
                        group.addTask { await self.attemptInOrder(claims) }
                    } else {
                        for claim in claims { group.addTask { await self.attempt(claim) } }
                    }
                }
            }
            await drain()
            group.cancelAll()
        }
        for provider in providers.values { await provider.shutdown() }
        logger.info("delivery engine stopped")
    }

    /// Keeps this node's leases ahead of its in-flight attempts until the engine stops (after
    /// the shutdown drain, so attempts finishing then keep theirs too).
    private func renewLeases(_ sharing: Sharing) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: sharing.lease / 3)
            } catch {
                return
            }
            let ids = state.withLock { $0.scheduler.inFlightAttemptIDs }
            do {
                try await store.renewDeliveryLeases(attemptIDs: ids, lease: sharing.lease(from: clock.nowMillis))
            } catch {
                logger.error("could not renew delivery leases", metadata: ["attempts": "\(ids.count)", "error": "\(error)"])
            }
        }
    }

    /// The safety net beside the wakes: every destination with due work is woken. Nodes
    /// sharing a database also find this way the attempts a dead node's expired leases released.
    private func lookForWork(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                let now = clock.nowMillis
                let due = try await store.pendingDestinations().filter { $0.value <= now }
                guard !due.isEmpty else { continue }
                state.withLock { s in for id in due.keys { s.scheduler.woken(destinationID: id, now: now) } }
                signal()
            } catch {
                logger.warning("could not look for pending deliveries", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops starting attempts and lets in-flight ones finish (and be recorded) for the grace
    /// period; whatever still runs after that is abandoned, stays pending, and is sent after
    /// restart.
    private func drain() async {
        let (busy, unstarted) = state.withLock { s -> (Bool, [Claim]) in
            s.timer?.cancel()
            s.timer = nil
            s.scheduler.shutdown()
            defer { s.handedOff = [] }
            return (s.scheduler.inFlight > s.handedOff.count, s.handedOff)
        }
        // Handed off but not started: they stay pending and are sent after restart.
        for claim in unstarted { release(destinationID: claim.claimed.attempt.destinationID, attemptID: claim.claimed.attempt.id, retryAt: nil) }
        guard busy else { return }
        let deadline = clock.now.addingTimeInterval(Double(configuration.shutdownGrace.components.seconds))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let idle = self.state.withLock { s -> Bool in
                        if s.scheduler.inFlight == 0 || s.graceOver { return true }
                        s.idle = continuation
                        return false
                    }
                    if idle { continuation.resume() }
                }
            }
            group.addTask { [clock] in try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
            // The idle waiter cannot be cancelled: resume it if the deadline came first (or
            // make it return at once if it has not registered yet).
            state.withLock { s in
                s.graceOver = true
                return s.idle.take()
            }?.resume()
        }
    }

    /// Runs the scheduler's loads and claims until only a sleep is left, starting each claim's
    /// attempts through `start` (with whether they go in order), then arms the timer for that
    /// sleep.
    private func dispatch(start: ([Claim], _ inOrder: Bool) -> Void) async {
        while true {
            let handedOff = state.withLock { s in
                defer { s.handedOff = [] }
                return s.handedOff
            }
            if !handedOff.isEmpty {
                onStarted(.memory, handedOff.count)
                start(handedOff, false)
            }
            let now = clock.nowMillis
            let actions = state.withLock { $0.scheduler.nextActions(now: now) }
            var wakeAt: Int64?
            var worked = false
            for action in actions {
                switch action {
                case .sleep(let until):
                    wakeAt = until
                case .load(let destinationID):
                    worked = true
                    await load(destinationID)
                case .claim(let request):
                    worked = true
                    let claims = await claim(request)
                    if !claims.isEmpty { onStarted(.store, claims.count) }
                    start(claims, request.inOrder)
                }
            }
            if !worked {
                schedule(wakeAt)
                return
            }
        }
    }

    private func load(_ destinationID: String) async {
        do {
            let loaded = try await store.deliveryDestination(id: destinationID).map { stored in
                DeliveryScheduler.Loaded(
                    runtime: try DestinationRuntime(stored.destination, secrets: secrets, schema: schemas[stored.destination.type]), circuit: stored.destination.circuit,
                    circuitVersion: stored.circuitVersion)
            }
            let now = clock.nowMillis
            let followUp = state.withLock { $0.scheduler.destinationLoaded(destinationID, loaded, now: now) }
            if case .cancelPending = followUp {
                // Deleted: its pending attempts are marked, not silently dropped.
                try await store.cancelPendingAttempts(destinationID: destinationID, at: now)
            }
        } catch {
            logger.error("could not load destination", metadata: ["destination_id": "\(destinationID)", "error": "\(error)"])
            let now = clock.nowMillis
            state.withLock { $0.scheduler.failed(destinationID, now: now) }
        }
    }

    /// Where started attempts came from: handed off by ingest's commit, or claimed from the store.
    public enum StartedFrom: String, Sendable {
        case memory, store
    }

    struct Claim: Sendable {
        var claimed: ClaimedAttempt
        var runtime: DestinationRuntime
        var isProbe: Bool
    }

    /// Claims due attempts for one lane; a probe's circuit change is recorded before the probe
    /// starts, so it is written ahead of the probe's result.
    private func claim(_ request: DeliveryScheduler.ClaimRequest) async -> [Claim] {
        let batch: ClaimBatch
        do {
            let now = clock.nowMillis
            let shared = configuration.sharing.map { sharing in
                SharedClaim(
                    lease: sharing.lease(from: now), maxConcurrency: state.withLock { $0.scheduler.runtime(of: request.destinationID)?.destination.maxConcurrency },
                    circuit: request.circuit, circuitVersion: request.circuitVersion, probe: request.probeCircuit, inOrder: request.inOrder)
            }
            batch = try await store.claimDue(
                destinationID: request.destinationID, now: now, limit: request.limit, excluding: request.excluding, shared: shared)
        } catch {
            logger.error("delivery claim failed", metadata: ["destination_id": "\(request.destinationID)", "error": "\(error)"])
            let now = clock.nowMillis
            state.withLock { $0.scheduler.failed(request.destinationID, now: now) }
            return []
        }
        let now = clock.nowMillis
        let items = batch.attempts.map { DeliveryScheduler.ClaimedItem(attemptID: $0.attempt.id, scheduledAt: $0.attempt.scheduledAt) }
        let (starts, change, runtime) = state.withLock { s in
            let (starts, change) = s.scheduler.claimed(
                request, attempts: items, nextDue: batch.nextDue, waitsOnOrder: batch.waitsOnOrder, storedCircuit: batch.storedCircuit,
                waitsOnOtherNodes: batch.waitsOnOtherNodes, now: now)
            return (starts, change, s.scheduler.runtime(of: request.destinationID))
        }
        if let change {
            do {
                try await recorder.submit(.circuit(destinationID: change.destinationID, circuit: change.circuit, version: change.version))
            } catch {
                // The probe still goes out; its result carries a newer circuit version.
                logger.error("could not record circuit", metadata: ["destination_id": "\(change.destinationID)", "error": "\(error)"])
            }
        }
        guard let runtime else { return [] }
        let byID = Dictionary(batch.attempts.map { ($0.attempt.id, $0) }, uniquingKeysWith: { first, _ in first })
        return starts.compactMap { start in byID[start.attemptID].map { Claim(claimed: $0, runtime: runtime, isProbe: start.isProbe) } }
    }

    /// Wakes the loop at `millis` (Unix ms) on the engine's clock unless something wakes it
    /// earlier.
    private func schedule(_ millis: Int64?) {
        state.withLock { s in
            s.timer?.cancel()
            s.timer = nil
            guard let millis else { return }
            s.timer = Task { [weak self, clock] in
                do {
                    try await clock.sleep(untilMillis: millis)
                    self?.signal()
                } catch {}
            }
        }
    }
}
