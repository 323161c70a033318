public import HookstreamCore

/// The delivery side of the store: the queue of pending attempts that workers claim, the
/// attempt log they write, and the issues failures open. Tenant-scoped reads and writes take
/// the `Tenant`; the worker-side calls (claim, record) work across tenants, as the engine does.
public protocol DeliveryStore: Sendable {
    // MARK: Worker side

    /// For every destination with pending attempts, the earliest `scheduled_at` (start-up:
    /// which destinations have work, and from when).
    func pendingDestinations() async throws -> [String: Int64]
    /// Up to `limit` pending attempts of one destination due at `now`, oldest schedule first,
    /// skipping the IDs already in flight, with their events and transforms; and when the
    /// destination's next attempt is due.
    ///
    /// Without `shared` it is one read: the caller is the only process delivering from this
    /// database (SQLite's single node), so skipping its own in-flight IDs is the whole claim.
    /// With it, nodes sharing the database claim for real, one claim per destination at a time
    /// (the destination's row is locked): attempts another node holds an unexpired lease on are
    /// skipped and count against the destination's `max_concurrency`, a circuit another node
    /// changed is returned instead of attempts, a probe is handed out only with the circuit
    /// change that makes it the one probe, and the attempts taken are marked with the lease —
    /// all in one transaction (see ``SharedClaim``).
    func claimDue(destinationID: String, now: Int64, limit: Int, excluding: Set<String>, shared: SharedClaim?) async throws -> ClaimBatch
    /// Extends this node's leases on attempts still in flight (its own claims only).
    func renewDeliveryLeases(attemptIDs: [String], lease: DeliveryLease) async throws
    /// A live destination by ID whatever its tenant, with its circuit version.
    func deliveryDestination(id: String) async throws -> (destination: Destination, circuitVersion: Int64)?
    /// Writes what the engine decided, in order, in one transaction (the engine's group
    /// commit): finished attempts with their retries, issues, delivery counts, circuits and
    /// event statuses, and circuit changes of their own (a probe handed out, a reset). A circuit
    /// is stored only over an older version.
    func recordDelivery(_ records: [DeliveryRecord]) async throws
    /// Marks the pending attempts of a deleted destination failed (`destination_deleted`).
    func cancelPendingAttempts(destinationID: String, at: Int64) async throws

    // MARK: API side

    func deliveryAttempts(tenant: Tenant, query: AttemptQuery) async throws -> OffsetPage<StoredAttempt>
    func deliveryAttempt(id: String, tenant: Tenant) async throws -> StoredAttempt?
    /// `POST /v1/delivery-attempts/:id/retry`: a failed attempt gets a new chain starting at
    /// attempt 1 now, or the chain's already pending attempt is moved to now.
    /// - Throws: `StoreError.notFound`, or `.conflict` when the attempt is not failed or its
    ///   destination is gone.
    func retryAttempt(id: String, tenant: Tenant, now: Int64) async throws -> DeliveryAttempt
    /// Queues the event again on each route (pending attempts of a route are moved to now
    /// instead of doubled). Returns the attempt queued per route, in order; `nil` where the
    /// route's destination is gone.
    func requeueEvent(id: String, tenant: Tenant, routes: [Route], now: Int64) async throws -> [DeliveryAttempt?]

    func issues(tenant: Tenant, query: IssueQuery) async throws -> OffsetPage<StoredIssue>
    func issue(id: String, tenant: Tenant) async throws -> StoredIssue?
    func issueCounts(tenant: Tenant) async throws -> [Issue.Status: Int]
    /// Sets the status (and `resolved_at` with it) and/or the snooze; `snoozedUntil` `.some(nil)`
    /// clears the snooze.
    func updateIssue(id: String, tenant: Tenant, status: Issue.Status?, snoozedUntil: Int64??, now: Int64) async throws -> StoredIssue
    /// Re-queues every delivery whose newest attempt dead-lettered with this issue.
    func retryIssue(id: String, tenant: Tenant, now: Int64) async throws -> (retried: Int, total: Int)
    /// Resolves open and acknowledged issues last seen before `quietSince`; returns them as
    /// resolved, with their detail.
    func resolveQuietIssues(quietSince: Int64, now: Int64) async throws -> [StoredIssue]
}

extension DeliveryStore {
    public func claimDue(destinationID: String, now: Int64, limit: Int, excluding: Set<String>) async throws -> ClaimBatch {
        try await claimDue(destinationID: destinationID, now: now, limit: limit, excluding: excluding, shared: nil)
    }
}

/// What a claim by one of several nodes sharing the database checks and takes beside the
/// attempts (``DeliveryStore/claimDue(destinationID:now:limit:excluding:shared:)``): the
/// per-destination limit and the circuit hold for the nodes together, not for each.
public struct SharedClaim: Sendable {
    public var lease: DeliveryLease
    /// The destination's `max_concurrency`, when it has one: every attempt under a live lease,
    /// whichever node holds it, uses up a slot.
    public var maxConcurrency: Int?
    /// The circuit as this node holds it, and its version.
    public var circuit: CircuitBreaker
    public var circuitVersion: Int64
    /// For a half-open circuit's probe: the circuit to store as the probe is handed out
    /// (version `circuitVersion + 1`), only if the stored circuit is still this node's. The
    /// node that stores it sends the probe; the others find it and wait.
    public var probe: CircuitBreaker?
    /// A batch of the held backlog (after a resume or a circuit closing), sent in order: taken
    /// only while no node has any attempt of the destination in flight, so the nodes send the
    /// backlog one batch after another, in ingest order.
    public var inOrder: Bool

    public init(
        lease: DeliveryLease, maxConcurrency: Int? = nil, circuit: CircuitBreaker = CircuitBreaker(), circuitVersion: Int64 = 0, probe: CircuitBreaker? = nil,
        inOrder: Bool = false
    ) {
        self.lease = lease
        self.maxConcurrency = maxConcurrency
        self.circuit = circuit
        self.circuitVersion = circuitVersion
        self.probe = probe
        self.inOrder = inOrder
    }

    /// Whether the stored circuit is one this node must adopt rather than its own.
    ///
    /// A node's circuit changes are stored behind its results (group commit), each only over
    /// an older version, so the stored one may trail this node's by a version or two: that is
    /// not newer. It is newer when its version is higher (another node moved it on), or equal
    /// with another state (another node stored that version first, and this node's write of
    /// it lost).
    public static func storedIsNewer(_ stored: (circuit: CircuitBreaker, version: Int64), than held: (circuit: CircuitBreaker, version: Int64)) -> Bool {
        stored.version > held.version || (stored.version == held.version && stored.circuit != held.circuit)
    }
}
/// A node's hold on the attempts it claims: nobody else claims them until `until` (Unix ms),
/// which the node pushes forward while they run. A node that dies stops renewing, and its
/// attempts become claimable by the others when the lease runs out.
public struct DeliveryLease: Sendable, Equatable {
    public var node: String
    public var until: Int64

    public init(node: String, until: Int64) {
        self.node = node
        self.until = until
    }
}

/// What one claim found.
public struct ClaimBatch: Sendable {
    public var attempts: [ClaimedAttempt]
    /// When the destination's next pending attempt (neither in flight nor claimed here) is due:
    /// `now` when the claim was cut off by its limit, `nil` when there is none.
    public var nextDue: Int64?
    /// Due attempts were left because an earlier attempt of their order key is pending: the
    /// lane must look again as soon as one of its attempts finishes.
    public var waitsOnOrder: Bool

    /// A shared claim found a circuit this node must adopt (see
    /// ``SharedClaim/storedIsNewer(_:than:)``), or lost the race to hand out the probe: it took
    /// no attempts, and this is the circuit as stored.
    public var storedCircuit: (circuit: CircuitBreaker, version: Int64)?
    /// A shared claim took nothing because other nodes' attempts fill the destination's
    /// slots, or a batch of its held backlog must wait for them: due attempts are left.
    public var waitsOnOtherNodes: Bool

    public init(
        attempts: [ClaimedAttempt], nextDue: Int64?, waitsOnOrder: Bool = false, storedCircuit: (circuit: CircuitBreaker, version: Int64)? = nil,
        waitsOnOtherNodes: Bool = false
    ) {
        self.attempts = attempts
        self.nextDue = nextDue
        self.waitsOnOrder = waitsOnOrder
        self.storedCircuit = storedCircuit
        self.waitsOnOtherNodes = waitsOnOtherNodes
    }
}

/// A pending attempt a worker took, with what it needs to make it.
public struct ClaimedAttempt: Sendable {
    public var attempt: DeliveryAttempt
    public var event: Event
    /// The connection's JSONata expression when its transform is enabled.
    public var transformExpression: String?

    public init(attempt: DeliveryAttempt, event: Event, transformExpression: String?) {
        self.attempt = attempt
        self.event = event
        self.transformExpression = transformExpression
    }
}

/// One write of the delivery engine, committed in the order the engine made them.
public enum DeliveryRecord: Sendable {
    case attempt(AttemptResult)
    /// A circuit change not tied to a finished attempt (a probe handed out, a manual reset).
    case circuit(destinationID: String, circuit: CircuitBreaker, version: Int64)
}

/// What a worker reports about one finished attempt.
public struct AttemptResult: Sendable {
    /// The attempt as made: `success` or `failed`, with its response facts.
    public var attempt: DeliveryAttempt
    /// The next attempt of the chain when the failure is retried.
    public var retry: DeliveryAttempt?
    /// The issue the failure opens or updates, with its message.
    public var issue: (type: IssueType, message: String)?
    /// This failure opened the destination's circuit: open or update its `circuit_open` issue.
    public var circuitOpened: (message: String, at: Int64)?
    /// The destination's circuit after this attempt, when it changed.
    public var circuit: (state: CircuitBreaker, version: Int64)?

    public init(
        attempt: DeliveryAttempt, retry: DeliveryAttempt? = nil, issue: (type: IssueType, message: String)? = nil,
        circuitOpened: (message: String, at: Int64)? = nil, circuit: (state: CircuitBreaker, version: Int64)? = nil
    ) {
        self.attempt = attempt
        self.retry = retry
        self.issue = issue
        self.circuitOpened = circuitOpened
        self.circuit = circuit
    }
}

/// Filters of `GET /v1/delivery-attempts`.
public struct AttemptQuery: Sendable {
    public var eventID: String?
    public var connectionID: String?
    public var destinationID: String?
    public var status: DeliveryAttempt.Status?
    public var isDLQ: Bool?
    public var limit: Int
    public var offset: Int

    public init(
        eventID: String? = nil, connectionID: String? = nil, destinationID: String? = nil, status: DeliveryAttempt.Status? = nil,
        isDLQ: Bool? = nil, limit: Int = 50, offset: Int = 0
    ) {
        self.eventID = eventID
        self.connectionID = connectionID
        self.destinationID = destinationID
        self.status = status
        self.isDLQ = isDLQ
        self.limit = limit
        self.offset = offset
    }
}

/// Filters of `GET /v1/issues`; `status` `nil` means all.
public struct IssueQuery: Sendable {
    public var status: Issue.Status?
    public var destinationID: String?
    public var errorType: String?
    public var limit: Int
    public var offset: Int

    public init(status: Issue.Status?, destinationID: String? = nil, errorType: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status
        self.destinationID = destinationID
        self.errorType = errorType
        self.limit = limit
        self.offset = offset
    }
}

/// One page of an offset-paginated listing with the total count.
public struct OffsetPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public var limit: Int
    public var offset: Int

    public var hasMore: Bool { offset + items.count < total }

    public init(items: [Item], total: Int, limit: Int, offset: Int) {
        self.items = items
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

public struct StoredAttempt: Sendable {
    public var attempt: DeliveryAttempt
    public var destinationName: String?

    public init(attempt: DeliveryAttempt, destinationName: String?) {
        self.attempt = attempt
        self.destinationName = destinationName
    }
}

public struct StoredIssue: Sendable {
    public var issue: Issue
    public var destinationName: String?
    /// What only one issue's detail carries (`nil` in lists).
    public var detail: IssueDetail?

    public init(issue: Issue, destinationName: String?, detail: IssueDetail? = nil) {
        self.issue = issue
        self.destinationName = destinationName
        self.detail = detail
    }
}

/// An issue's affected resources and its timeline.
public struct IssueDetail: Sendable, Equatable {
    /// The sources and connections of the events behind the issue's recent attempts.
    public var sourceIDs: [String]
    public var connectionIDs: [String]
    /// Oldest first.
    public var timeline: [IssueTimelineEntry]

    public init(sourceIDs: [String], connectionIDs: [String], timeline: [IssueTimelineEntry]) {
        self.sourceIDs = sourceIDs
        self.connectionIDs = connectionIDs
        self.timeline = timeline
    }
}
