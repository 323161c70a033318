public import HookstreamCore
import HookstreamStore

/// The delivery engine's decisions, without I/O: which destination to (re)load, which to claim
/// due attempts for and how many, when to sleep, and how each destination's circuit breaker
/// moves. ``DeliveryEngine`` feeds it what happened (woken, loaded, claimed, finished,
/// recorded, …) and executes the actions it returns; time is always an argument (Unix ms).
///
/// The queue itself lives in the database. In memory there is one ``Lane`` per destination
/// with work: when its next attempt is due, which attempts are in flight, its settings and its
/// circuit. Invariants:
/// - at most `concurrency` requests are being sent (or reserved by an outstanding claim)
///   overall, and at most the destination's `max_concurrency` per lane. A request's slot is
///   free once its answer is in (``finished(destinationID:attemptID:isProbe:success:affectsCircuit:now:)``),
///   while its result waits for the group commit; the attempt stays in flight, so no claim
///   takes it again, until ``recorded(destinationID:attemptID:retryAt:)``. At most
///   `4 × concurrency` attempts are in flight, so results the writer has not committed yet
///   cannot pile up;
/// - a lane has at most one claim or load outstanding;
/// - a half-open circuit has at most one probe in flight;
/// - a wake that arrives while a claim is outstanding is never lost (``Lane/generation``).
public struct DeliveryScheduler: Sendable {
    public struct Configuration: Sendable {
        public var concurrency: Int
        public var circuit: CircuitBreaker.Configuration
        /// How long a destination's settings are trusted before being re-read (ms).
        public var refreshMillis: Int64
        /// How long to wait before retrying a failed load or claim (ms).
        public var errorBackoffMillis: Int64
        /// Other nodes deliver from the same database: the stored circuit is the nodes'
        /// common one. A newer one found by a load or a claim replaces this node's, a probe
        /// is handed out only by the claim that stores it, and a half-open circuit's probe may
        /// be another node's.
        public var shared: Bool

        public init(
            concurrency: Int, circuit: CircuitBreaker.Configuration = .default, refreshMillis: Int64 = 5000, errorBackoffMillis: Int64 = 1000,
            shared: Bool = false
        ) {
            self.concurrency = max(1, concurrency)
            self.circuit = circuit
            self.refreshMillis = refreshMillis
            self.errorBackoffMillis = errorBackoffMillis
            self.shared = shared
        }
    }

    /// What the engine does next.
    public enum Action: Hashable, Sendable {
        /// Read the destination (settings and stored circuit) and report ``destinationLoaded(_:_:now:)``.
        case load(destinationID: String)
        /// Claim due attempts and report ``claimed(_:attempts:nextDue:now:)``.
        case claim(ClaimRequest)
        /// Nothing more can start before this time (Unix ms) unless something wakes the engine.
        case sleep(untilMillis: Int64)
    }

    public struct ClaimRequest: Hashable, Sendable {
        public var destinationID: String
        public var limit: Int
        /// The claim is for a half-open circuit's single probe.
        public var probe: Bool
        /// The attempts are the held backlog: send them one after another, each once the one
        /// before has its answer, so the receiver gets them in ingest order.
        public var inOrder: Bool = false
        /// Attempts in flight, which the claim must skip.
        public var excluding: Set<String>
        /// The lane's generation when the claim was planned.
        public var generation: Int
        /// How many of the lane's attempts had been recorded when the claim was planned.
        public var recordedCount = 0
        /// The lane's circuit and version when the claim was planned (a shared claim checks
        /// them against the stored circuit).
        public var circuit = CircuitBreaker()
        public var circuitVersion: Int64 = 0
        /// Shared probe claims: the half-open circuit the claim stores as it hands the probe
        /// out (version `circuitVersion + 1`).
        public var probeCircuit: CircuitBreaker?
    }

    /// A destination as read from the store.
    public struct Loaded: Sendable {
        public var runtime: DestinationRuntime
        public var circuit: CircuitBreaker
        public var circuitVersion: Int64

        public init(runtime: DestinationRuntime, circuit: CircuitBreaker, circuitVersion: Int64) {
            self.runtime = runtime
            self.circuit = circuit
            self.circuitVersion = circuitVersion
        }
    }

    /// What a load leads to besides new claims.
    public enum LoadFollowUp: Hashable, Sendable {
        case none
        /// The destination is gone: mark its pending attempts (they are never silently dropped).
        case cancelPending(destinationID: String)
    }

    /// An attempt the engine should start now.
    public struct Start: Hashable, Sendable {
        public var attemptID: String
        public var isProbe: Bool
    }

    /// A claimed attempt as the scheduler needs to know it.
    public struct ClaimedItem: Hashable, Sendable {
        public var attemptID: String
        public var scheduledAt: Int64

        public init(attemptID: String, scheduledAt: Int64) {
            self.attemptID = attemptID
            self.scheduledAt = scheduledAt
        }
    }

    /// A circuit state to persist, in order with the attempt results (higher version wins).
    public struct CircuitChange: Hashable, Sendable {
        public var destinationID: String
        public var circuit: CircuitBreaker
        public var version: Int64
    }

    /// What a finished attempt did to the circuit.
    public struct CircuitReport: Hashable, Sendable {
        public var change: CircuitChange?
        /// The attempt opened (or re-opened) the circuit.
        public var opened: Bool
        public var failureCount: Int
    }

    struct Lane {
        var runtime: DestinationRuntime?
        var loadedAt: Int64?
        var circuit = CircuitBreaker()
        var circuitVersion: Int64 = 0
        /// When the earliest pending attempt not in flight is due; `nil` = none known.
        var nextDue: Int64?
        /// Bumped by every wake, so a claim that was planned earlier cannot erase it.
        var generation = 0
        var inFlight: Set<String> = []
        /// The attempts of `inFlight` whose request has not finished: what the limits count.
        var sending: Set<String> = []
        var probe: String?
        /// Set when held deliveries are released (resume, circuit closed or reset): attempts
        /// scheduled up to this time are the held backlog. It is claimed in batches, each sent
        /// in order (one request at a time, the next once the previous has its answer) and
        /// claimed only when the batch before is recorded, so the receiver gets the backlog in
        /// ingest order; later work flows concurrently again.
        var drainUntil: Int64?
        /// The last claim left due attempts waiting behind an earlier one of their order key
        /// (``ClaimBatch/waitsOnOrder``): the next finished attempt makes the lane due again.
        var waitsOnOrder = false
        /// Attempts recorded so far. A claim that finds due attempts waiting on order compares
        /// it with its plan's: a record that landed while the claim ran may have ended the
        /// attempt they waited behind, after the claim's read saw it pending.
        var recordedCount = 0
        /// Changes made through the API so far (``destinationChanged(_:)``), and how many there
        /// had been when the outstanding load was planned: a load that read the row before a
        /// change is not taken as fresh.
        var changes = 0
        var changesAtLoad = 0
        /// A load or claim is outstanding; its slots (for a claim) are reserved.
        var busy = false
        var reserved = 0
        /// After a failed load or claim, nothing is tried before this time.
        var retryAt: Int64?
    }

    public let configuration: Configuration
    var lanes: [String: Lane] = [:]
    /// Attempts in flight plus slots reserved by outstanding claims.
    public private(set) var inFlight = 0
    /// Requests being sent plus slots reserved by outstanding claims: what `concurrency` limits.
    public private(set) var sending = 0
    /// How many attempts may be in flight at once, sent or waiting for their result's commit.
    var inFlightLimit: Int { configuration.concurrency * 4 }
    public private(set) var isShuttingDown = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - Events from outside

    /// Start-up: the destinations with pending attempts and their earliest due time.
    public mutating func started(heads: [String: Int64]) {
        for (destinationID, due) in heads { noteDue(destinationID, at: due) }
    }

    /// New pending attempts for this destination are committed and due at `now`.
    public mutating func woken(destinationID: String, now: Int64) {
        noteDue(destinationID, at: now)
    }

    /// Takes slots for first attempts an ingest is about to commit, so the engine can start
    /// them from memory once they are committed instead of claiming them back from the store
    /// (``DeliveryEngine/reserve(routes:transforms:orderKey:)``). Granted only when the lane
    /// could start them at once anyway: it is loaded and its settings fresh, the destination
    /// active, its circuit closed with no held backlog to release, no claim or load outstanding,
    /// nothing due in the store that a claim has not taken (so they overtake no older work),
    /// and a slot free for each under both limits. Single node only: nodes sharing a database
    /// must write a lease, which a claim does.
    ///
    /// Reserved attempts count as in flight from now on, so a claim planned later excludes them
    /// and ``claimed(_:attempts:nextDue:waitsOnOrder:storedCircuit:waitsOnOtherNodes:now:)``
    /// never starts one twice. Each reserved attempt ends with ``recorded(destinationID:attemptID:retryAt:)``:
    /// after its result, or at once when it was not committed.
    public mutating func reserve(destinationID: String, attemptIDs: [String], now: Int64) -> Bool {
        guard !isShuttingDown, !configuration.shared, !attemptIDs.isEmpty, var lane = lanes[destinationID], !lane.busy,
            let runtime = lane.runtime, let loadedAt = lane.loadedAt, now - loadedAt < configuration.refreshMillis,
            runtime.destination.status == .active, lane.circuit.state == .closed, lane.drainUntil == nil, !lane.waitsOnOrder,
            lane.retryAt == nil, lane.nextDue.map({ $0 > now }) ?? true
        else { return false }
        let perDestination = runtime.destination.maxConcurrency ?? configuration.concurrency
        guard lane.sending.count + attemptIDs.count <= perDestination, sending + attemptIDs.count <= configuration.concurrency,
            inFlight + attemptIDs.count <= inFlightLimit
        else { return false }
        lane.inFlight.formUnion(attemptIDs)
        lane.sending.formUnion(attemptIDs)
        inFlight += attemptIDs.count
        sending += attemptIDs.count
        lanes[destinationID] = lane
        return true
    }

    /// The destination was changed, paused, resumed or deleted through the API: re-read it
    /// before the next claim, and look for work it may now be able to do.
    public mutating func destinationChanged(_ destinationID: String) {
        guard var lane = lanes[destinationID] else { return }
        lane.loadedAt = nil
        lane.changes += 1
        lane.nextDue = lane.nextDue ?? 0
        lane.generation += 1
        lanes[destinationID] = lane
    }

    /// Closes the circuit now (`POST /v1/destinations/:id/circuit/reset`); `stored` is the
    /// circuit as the store has it, used when this node holds none. Returns the change to
    /// persist.
    public mutating func resetCircuit(destinationID: String, stored: (CircuitBreaker, Int64), now: Int64) -> CircuitChange {
        var lane = lanes[destinationID] ?? Lane(circuit: stored.0, circuitVersion: stored.1)
        if lane.runtime == nil && lane.circuitVersion < stored.1 { (lane.circuit, lane.circuitVersion) = stored }
        _ = lane.circuit.reset(at: Timestamp.date(millis: now))
        lane.circuitVersion += 1
        lane.probe = nil
        lane.drainUntil = now
        lane.nextDue = lane.nextDue ?? 0
        lane.generation += 1
        lanes[destinationID] = lane
        return CircuitChange(destinationID: destinationID, circuit: lane.circuit, version: lane.circuitVersion)
    }

    /// The circuit as this node holds it, when it has loaded the destination.
    public func heldCircuit(_ destinationID: String) -> (CircuitBreaker, Int64)? {
        lanes[destinationID].flatMap { $0.runtime == nil ? nil : ($0.circuit, $0.circuitVersion) }
    }

    /// Every attempt this node has in flight (whose leases it renews).
    public var inFlightAttemptIDs: [String] { lanes.values.flatMap(\.inFlight) }

    /// The destination's settings as last loaded.
    public func runtime(of destinationID: String) -> DestinationRuntime? {
        lanes[destinationID]?.runtime
    }

    /// Graceful shutdown: nothing new starts; in-flight attempts finish.
    public mutating func shutdown() {
        isShuttingDown = true
    }

    // MARK: - The plan

    /// What to do now: loads and claims to run, or when to look again.
    public mutating func nextActions(now: Int64) -> [Action] {
        guard !isShuttingDown else { return [] }
        var actions: [Action] = []
        var wakeAt: Int64?
        func wake(at millis: Int64) { wakeAt = min(wakeAt ?? millis, millis) }
        // Oldest due first: under the global limit, the lane that waited longest goes first.
        let candidates = lanes.filter { $0.value.nextDue != nil && !$0.value.busy }
            .sorted { ($0.value.nextDue!, $0.key) < ($1.value.nextDue!, $1.key) }
        var wanting: [(id: String, limit: Int, probe: Bool, inOrder: Bool)] = []
        for (destinationID, lane) in candidates {
            if let retryAt = lane.retryAt, retryAt > now {
                wake(at: retryAt)
                continue
            }
            if lane.runtime == nil || lane.loadedAt.map({ now - $0 >= configuration.refreshMillis }) ?? true {
                lanes[destinationID]?.busy = true
                lanes[destinationID]?.retryAt = nil
                lanes[destinationID]?.changesAtLoad = lane.changes
                actions.append(.load(destinationID: destinationID))
                continue
            }
            switch permission(lane, now: now) {
            case .none: break
            case .wait(let until): wake(at: until)
            case .claim(let limit, let probe, let inOrder): wanting.append((destinationID, limit, probe, inOrder))
            }
        }
        // Share the free global slots evenly among the lanes that want some (remainder to the
        // longest waiting), so one busy destination cannot take every slot from the others.
        var free = min(configuration.concurrency - sending, inFlightLimit - inFlight)
        var remaining = wanting.count
        for want in wanting where free > 0 {
            let share = max(1, (free + remaining - 1) / remaining)
            let limit = min(want.limit, share)
            remaining -= 1
            free -= limit
            var lane = lanes[want.id]!
            lane.busy = true
            lane.reserved = limit
            lane.retryAt = nil
            inFlight += limit
            sending += limit
            lanes[want.id] = lane
            var request = ClaimRequest(
                destinationID: want.id, limit: limit, probe: want.probe, inOrder: want.inOrder, excluding: lane.inFlight, generation: lane.generation,
                recordedCount: lane.recordedCount, circuit: lane.circuit, circuitVersion: lane.circuitVersion)
            if want.probe && configuration.shared {
                var probe = lane.circuit
                if case .sendProbe = probe.requestPermission(at: Timestamp.date(millis: now), configuration: configuration.circuit) {
                    request.probeCircuit = probe
                }
            }
            actions.append(.claim(request))
        }
        if let wakeAt { actions.append(.sleep(untilMillis: wakeAt)) }
        return actions
    }

    enum Permission {
        case none
        case wait(until: Int64)
        case claim(limit: Int, probe: Bool, inOrder: Bool = false)
    }

    /// What one loaded lane may do now, before the global limit is applied.
    func permission(_ lane: Lane, now: Int64) -> Permission {
        guard let runtime = lane.runtime, let due = lane.nextDue, runtime.destination.status == .active else { return .none }
        guard due <= now else { return .wait(until: due) }
        let perDestination = runtime.destination.maxConcurrency ?? configuration.concurrency
        let free = perDestination - lane.sending.count
        guard free > 0 else { return .none }
        switch lane.circuit.state {
        case .closed:
            // The held backlog: one in-order batch at a time.
            if lane.drainUntil != nil { return lane.inFlight.isEmpty ? .claim(limit: free, probe: false, inOrder: true) : .none }
            return .claim(limit: free, probe: false)
        case .open:
            if let ends = lane.circuit.cooldownEnds(configuration: configuration.circuit).map(Timestamp.millis), ends > now {
                return .wait(until: ends)
            }
            return lane.probe == nil ? .claim(limit: 1, probe: true) : .none
        case .halfOpen:
            guard lane.probe == nil else { return .none }
            // Another node's probe (shared database) is out until its deadline.
            if let started = lane.circuit.probeStartedAt {
                let deadline = Timestamp.millis(started.addingTimeInterval(configuration.circuit.probeTimeout))
                if deadline > now { return .wait(until: deadline) }
            }
            return .claim(limit: 1, probe: true)
        }
    }

    // MARK: - Results of the actions

    /// The load of a destination finished: `loaded` is `nil` when it no longer exists.
    public mutating func destinationLoaded(_ destinationID: String, _ loaded: Loaded?, now: Int64) -> LoadFollowUp {
        guard var lane = lanes[destinationID] else { return .none }
        lane.busy = false
        guard let loaded else {
            if lane.inFlight.isEmpty { lanes[destinationID] = nil } else { lane.nextDue = nil; lanes[destinationID] = lane }
            return .cancelPending(destinationID: destinationID)
        }
        if configuration.shared {
            // Another node may have moved the circuit on; a probe in flight is perhaps theirs
            // (it times out if its node died).
            if lane.runtime == nil || SharedClaim.storedIsNewer((loaded.circuit, loaded.circuitVersion), than: (lane.circuit, lane.circuitVersion)) {
                adopt(&lane, loaded.circuit, version: loaded.circuitVersion, now: now)
            }
        } else if lane.runtime == nil && loaded.circuitVersion >= lane.circuitVersion {
            // First load in this process: a probe in flight before a restart is lost.
            lane.circuit = loaded.circuit
            _ = lane.circuit.abandonProbe()
            lane.circuitVersion = loaded.circuitVersion
        }
        if lane.runtime?.destination.status == .paused && loaded.runtime.destination.status == .active {
            lane.drainUntil = now
        }
        lane.runtime = loaded.runtime
        // Changed through the API while the load ran: what it read may predate the change, so
        // the next round reads the destination again.
        lane.loadedAt = lane.changes == lane.changesAtLoad ? now : nil
        lanes[destinationID] = lane
        return .none
    }

    /// A load or claim failed: its reserved slots are free, and the lane is tried again after
    /// the error backoff.
    public mutating func failed(_ destinationID: String, now: Int64) {
        guard var lane = lanes[destinationID] else { return }
        lane.busy = false
        inFlight -= lane.reserved
        sending -= lane.reserved
        lane.reserved = 0
        lane.retryAt = now + configuration.errorBackoffMillis
        lanes[destinationID] = lane
    }

    /// A claim returned `attempts` (oldest first) and where the lane's queue continues.
    /// Returns the attempts to start and, when a probe was handed out, the circuit to persist
    /// before the probe's result can be recorded.
    ///
    /// - Parameters:
    ///   - storedCircuit: a shared claim found another node's circuit (and took nothing): it
    ///     replaces this node's.
    ///   - waitsOnOtherNodes: a shared claim took nothing because of other nodes' attempts in
    ///     flight; the due work (a held backlog too) is still there.
    public mutating func claimed(
        _ request: ClaimRequest, attempts: [ClaimedItem], nextDue: Int64?, waitsOnOrder: Bool = false,
        storedCircuit: (circuit: CircuitBreaker, version: Int64)? = nil, waitsOnOtherNodes: Bool = false, now: Int64
    ) -> (starts: [Start], circuit: CircuitChange?) {
        guard var lane = lanes[request.destinationID] else {
            inFlight -= request.limit
            sending -= request.limit
            return ([], nil)
        }
        inFlight -= lane.reserved
        sending -= lane.reserved
        lane.reserved = 0
        lane.busy = false
        if let storedCircuit, SharedClaim.storedIsNewer(storedCircuit, than: (lane.circuit, lane.circuitVersion)) {
            adopt(&lane, storedCircuit.circuit, version: storedCircuit.version, now: now)
        }
        var starts: [Start] = []
        var change: CircuitChange?
        // An attempt already in flight was reserved by an ingest (``reserve(destinationID:attemptIDs:now:)``)
        // and is started from memory: never twice.
        for item in attempts where !lane.inFlight.contains(item.attemptID) {
            guard starts.count < request.limit else { break }
            var isProbe = false
            if let probe = request.probeCircuit {
                // The claim stored the probe's circuit with the attempt; the lane follows
                // unless it moved on meanwhile (a reset), when the probe is not sent.
                guard lane.circuitVersion == request.circuitVersion else { break }
                lane.circuit = probe
                lane.circuitVersion += 1
                change = CircuitChange(destinationID: request.destinationID, circuit: lane.circuit, version: lane.circuitVersion)
                lane.probe = item.attemptID
                isProbe = true
            } else if request.probe {
                guard case .sendProbe = lane.circuit.requestPermission(at: Timestamp.date(millis: now), configuration: configuration.circuit) else { break }
                lane.circuitVersion += 1
                change = CircuitChange(destinationID: request.destinationID, circuit: lane.circuit, version: lane.circuitVersion)
                lane.probe = item.attemptID
                isProbe = true
            }
            lane.inFlight.insert(item.attemptID)
            lane.sending.insert(item.attemptID)
            inFlight += 1
            sending += 1
            starts.append(Start(attemptID: item.attemptID, isProbe: isProbe))
        }
        // A shared probe claim stored its half-open circuit (at the plan's version + 1) while
        // the lane moved on, by a reset: the probe is not sent, and the lane's circuit is stored
        // again above it. Otherwise the stored probe would win (the reset's own write, at the
        // same version, changes nothing) and hold every node until the probe's deadline.
        if request.probeCircuit != nil, starts.isEmpty, !attempts.isEmpty, lane.circuitVersion != request.circuitVersion {
            lane.circuitVersion = max(lane.circuitVersion, request.circuitVersion + 1) + 1
            change = CircuitChange(destinationID: request.destinationID, circuit: lane.circuit, version: lane.circuitVersion)
        }
        // The held backlog is over once the oldest due attempt was scheduled after the
        // release (or nothing is due).
        if let drainUntil = lane.drainUntil, !waitsOnOtherNodes, attempts.first.map({ $0.scheduledAt > drainUntil }) ?? true {
            lane.drainUntil = nil
        }
        // A wake that arrived while the claim ran means new work is due now. So does a record
        // when the claim left attempts waiting on order: nothing in flight may be left to
        // wake the lane once they can go.
        if lane.generation != request.generation || (waitsOnOrder && lane.recordedCount != request.recordedCount) {
            lane.nextDue = now
            lane.waitsOnOrder = false
        } else {
            lane.nextDue = nextDue
            lane.waitsOnOrder = waitsOnOrder
        }
        lanes[request.destinationID] = lane
        return (starts, change)
    }

    /// An attempt got its answer (or failed to). `affectsCircuit` is false for outcomes that
    /// say nothing about the destination (a transform error). Returns the circuit change to
    /// record with the attempt.
    public mutating func finished(
        destinationID: String, attemptID: String, isProbe: Bool, success: Bool, affectsCircuit: Bool, now: Int64
    ) -> CircuitReport {
        guard var lane = lanes[destinationID] else { return CircuitReport(change: nil, opened: false, failureCount: 0) }
        // The request is over: its slot is free while its result waits for the commit.
        if lane.sending.remove(attemptID) != nil { sending -= 1 }
        let at = Timestamp.date(millis: now)
        let kind: CircuitBreaker.AttemptKind = isProbe ? .probe : .regular
        let before = lane.circuit
        var action = CircuitBreaker.Action.none
        if affectsCircuit {
            action = success ? lane.circuit.recordSuccess(of: kind, at: at) : lane.circuit.recordFailure(of: kind, at: at, configuration: configuration.circuit)
        } else if isProbe {
            _ = lane.circuit.abandonProbe()
        }
        var opened = false
        switch action {
        case .opened, .reopened:
            opened = true
        case .closed:
            // Held deliveries flow again, in order (see `Lane.drainUntil`).
            lane.drainUntil = now
            lane.nextDue = min(lane.nextDue ?? now, now)
            lane.generation += 1
        case .none, .halfOpened:
            break
        }
        var change: CircuitChange?
        if lane.circuit != before {
            lane.circuitVersion += 1
            change = CircuitChange(destinationID: destinationID, circuit: lane.circuit, version: lane.circuitVersion)
        }
        lanes[destinationID] = lane
        return CircuitReport(change: change, opened: opened, failureCount: lane.circuit.failureCount)
    }

    /// Whether an in-order batch may send its next attempt: the destination is still active,
    /// its circuit closed, and the engine not shutting down. Otherwise the rest of the batch
    /// is abandoned (released with ``recorded(destinationID:attemptID:retryAt:)`` as due
    /// now) and waits for the lane's next turn.
    public func mayContinueInOrder(_ destinationID: String) -> Bool {
        guard !isShuttingDown, let lane = lanes[destinationID], lane.runtime?.destination.status == .active else { return false }
        return lane.circuit.state == .closed
    }

    /// The attempt's result is committed (or the attempt was abandoned): its slot is free.
    /// `retryAt` is when the lane has work again because of it (a scheduled retry).
    public mutating func recorded(destinationID: String, attemptID: String, retryAt: Int64?) {
        inFlight -= 1
        guard var lane = lanes[destinationID] else { return }
        lane.inFlight.remove(attemptID)
        lane.recordedCount += 1
        // Abandoned without an answer (shutdown, a body that could not be read, the rest of an
        // in-order batch): its request slot is freed here.
        let abandoned = lane.sending.remove(attemptID) != nil
        if abandoned { sending -= 1 }
        if lane.probe == attemptID {
            lane.probe = nil
            // A probe abandoned before its answer said nothing about the destination: the next
            // one may go when the lane's work is due, not after the probe's timeout.
            if abandoned { _ = lane.circuit.abandonProbe() }
        }
        if lane.waitsOnOrder {
            // The finished attempt may have been what the waiting ones were ordered behind.
            lane.waitsOnOrder = false
            lane.nextDue = 0
            lane.generation += 1
        }
        if let retryAt {
            lane.nextDue = min(lane.nextDue ?? retryAt, retryAt)
            lane.generation += 1
        }
        lanes[destinationID] = lane
    }

    /// Takes another node's circuit as this lane's. A probe of this node's still in flight
    /// stays counted in flight; its result applies to the circuit as it now is. A circuit
    /// another node closed releases the held backlog here too, in order (the claims of the
    /// backlog's batches wait for each other across nodes).
    private func adopt(_ lane: inout Lane, _ circuit: CircuitBreaker, version: Int64, now: Int64) {
        if lane.runtime != nil && lane.circuit.state != .closed && circuit.state == .closed { lane.drainUntil = now }
        lane.circuit = circuit
        lane.circuitVersion = version
    }

    private mutating func noteDue(_ destinationID: String, at due: Int64) {
        var lane = lanes[destinationID] ?? Lane()
        lane.nextDue = min(lane.nextDue ?? due, due)
        lane.generation += 1
        lanes[destinationID] = lane
    }
}
