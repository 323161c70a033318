import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// Leased claims (`claimDue(…, shared:)`) on every backend, from two nodes on one database: what
/// one node holds the other does not take until the lease runs out; renewing keeps it; and a
/// result recorded after another node took the attempt over and recorded it changes nothing.
@Suite struct DeliveryClaimConformanceTests {
    static let t0 = StoreFixture.t0

    @Test(arguments: StoreBackend.all)
    func leasedAttemptsAreTakenByOneNodeRenewedAndTakenOverOnlyAfterExpiry(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let (a, b) = (nodes[0], nodes[1])
        let f = try await StoreFixture.make(a)
        for n in 0..<10 { try await f.ingest(at: Self.t0 + Int64(n)) }
        let destination = f.destination.id
        func claim(_ store: any Store, _ node: String, at now: Int64, limit: Int = 10, excluding: Set<String> = []) async throws -> [DeliveryAttempt] {
            try await store.claimDue(
                destinationID: destination, now: now, limit: limit, excluding: excluding, shared: SharedClaim(lease: DeliveryLease(node: node, until: now + 30_000))
            ).attempts.map(\.attempt)
        }

        let onA = try await claim(a, "node-a", at: Self.t0 + 100, limit: 4)
        #expect(onA.count == 4)
        let onB = try await claim(b, "node-b", at: Self.t0 + 200)
        #expect(onB.count == 6)
        #expect(Set(onA.map(\.id)).isDisjoint(with: onB.map(\.id)))
        #expect(try await claim(b, "node-b", at: Self.t0 + 300).isEmpty)

        // A renews its leases (until t0 + 50 s); B's own run out at t0 + 30.2 s, so B skips them
        // itself (they are in flight there).
        try await a.renewDeliveryLeases(attemptIDs: onA.map(\.id), lease: DeliveryLease(node: "node-a", until: Self.t0 + 50_000))
        #expect(try await claim(b, "node-b", at: Self.t0 + 40_000, excluding: Set(onB.map(\.id))).isEmpty)
        // A stops renewing (it died): after its lease B takes its attempts over.
        let takenOver = try await claim(b, "node-b", at: Self.t0 + 50_000, excluding: Set(onB.map(\.id)))
        #expect(Set(takenOver.map(\.id)) == Set(onA.map(\.id)))

        // B records one of them first; A's late result for it adds nothing.
        var delivered = takenOver[0]
        delivered.status = .success
        delivered.statusCode = 200
        delivered.attemptedAt = Self.t0 + 50_100
        try await b.recordDelivery([.attempt(AttemptResult(attempt: delivered))])
        var late = onA.first { $0.id == delivered.id }!
        late.status = .failed
        late.statusCode = 500
        late.attemptedAt = Self.t0 + 50_200
        var retry = late
        retry.id = ResourceID.make(.deliveryAttempt)
        retry.status = .pending
        retry.attemptNumber = 2
        retry.scheduledAt = Self.t0 + 60_000
        try await a.recordDelivery([.attempt(AttemptResult(attempt: late, retry: retry, issue: (.http5xx, "HTTP 500")))])
        let stored = try #require(try await a.deliveryAttempt(id: delivered.id, tenant: f.tenant)).attempt
        #expect(stored.status == .success)
        #expect(stored.statusCode == 200)
        #expect(try await f.attempts(of: delivered.eventID).count == 1)
        #expect(try await a.issues(tenant: f.tenant, query: IssueQuery(status: nil)).items.isEmpty)
    }

    /// Two nodes claiming the same destination at the same moment, twenty times: no attempt is
    /// handed to both.
    @Test(arguments: StoreBackend.all)
    func simultaneousClaimsNeverShareAnAttempt(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let f = try await StoreFixture.make(nodes[0])
        for n in 0..<200 { try await f.ingest(at: Self.t0 + Int64(n)) }
        var seen: [String: String] = [:]
        for round in 0..<20 {
            let now = Self.t0 + 1_000 + Int64(round)
            async let first = nodes[0].claimDue(
                destinationID: f.destination.id, now: now, limit: 5, excluding: [], shared: SharedClaim(lease: DeliveryLease(node: "a", until: now + 60_000)))
            async let second = nodes[1].claimDue(
                destinationID: f.destination.id, now: now, limit: 5, excluding: [], shared: SharedClaim(lease: DeliveryLease(node: "b", until: now + 60_000)))
            for (node, batch) in [("a", try await first), ("b", try await second)] {
                for claimed in batch.attempts {
                    #expect(seen[claimed.attempt.id] == nil, "round \(round): \(claimed.attempt.id) to \(node) and \(seen[claimed.attempt.id] ?? "")")
                    seen[claimed.attempt.id] = node
                }
            }
        }
        #expect(seen.count == 200)
    }

    /// A destination's `max_concurrency` holds for the nodes together: attempts under another
    /// node's live lease use up its slots, and come back when the lease runs out.
    @Test(arguments: StoreBackend.all)
    func theDestinationLimitCountsEveryNodesLeases(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let f = try await StoreFixture.make(nodes[0])
        for n in 0..<10 { try await f.ingest(at: Self.t0 + Int64(n)) }
        func claim(_ store: any Store, _ node: String, at now: Int64) async throws -> ClaimBatch {
            try await store.claimDue(
                destinationID: f.destination.id, now: now, limit: 10, excluding: [],
                shared: SharedClaim(lease: DeliveryLease(node: node, until: now + 30_000), maxConcurrency: 3))
        }
        #expect(try await claim(nodes[0], "a", at: Self.t0 + 100).attempts.count == 3)
        let full = try await claim(nodes[1], "b", at: Self.t0 + 200)
        #expect(full.attempts.isEmpty)
        #expect(full.nextDue == Self.t0 + 400, "looks again shortly")
        // A batch of the held backlog waits until no node has anything in flight.
        let inOrder = try await nodes[1].claimDue(
            destinationID: f.destination.id, now: Self.t0 + 300, limit: 5, excluding: [],
            shared: SharedClaim(lease: DeliveryLease(node: "b", until: Self.t0 + 30_300), inOrder: true))
        #expect(inOrder.attempts.isEmpty)
        #expect(try await claim(nodes[1], "b", at: Self.t0 + 30_100).attempts.count == 3)
    }

    /// The stored circuit is the nodes' common one: a node holding an older one takes nothing
    /// and gets the stored one, and of two nodes asking for the half-open probe at once exactly
    /// one stores the probe's circuit and gets an attempt.
    @Test(arguments: StoreBackend.all)
    func aNewerCircuitIsReturnedAndOneNodeGetsTheProbe(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let f = try await StoreFixture.make(nodes[0])
        for n in 0..<5 { try await f.ingest(at: Self.t0 + Int64(n)) }
        let openedAt = Timestamp.date(millis: Self.t0 + 1_000)
        let open = CircuitBreaker(state: .open, failureCount: 5, lastFailureAt: openedAt, openedAt: openedAt, probeStartedAt: nil, lastTransitionAt: openedAt)
        try await nodes[0].recordDelivery([.circuit(destinationID: f.destination.id, circuit: open, version: 1)])
        let now = Self.t0 + 70_000
        let stale = try await nodes[1].claimDue(
            destinationID: f.destination.id, now: now, limit: 5, excluding: [], shared: SharedClaim(lease: DeliveryLease(node: "b", until: now + 30_000)))
        #expect(stale.attempts.isEmpty)
        #expect(stale.storedCircuit?.circuit == open && stale.storedCircuit?.version == 1)

        var halfOpen = open
        _ = halfOpen.requestPermission(at: Timestamp.date(millis: now), configuration: .default)
        #expect(halfOpen.state == .halfOpen)
        let (onA, onB) = (
            SharedClaim(lease: DeliveryLease(node: "a", until: now + 30_000), circuit: open, circuitVersion: 1, probe: halfOpen),
            SharedClaim(lease: DeliveryLease(node: "b", until: now + 30_000), circuit: open, circuitVersion: 1, probe: halfOpen)
        )
        async let first = nodes[0].claimDue(destinationID: f.destination.id, now: now, limit: 1, excluding: [], shared: onA)
        async let second = nodes[1].claimDue(destinationID: f.destination.id, now: now, limit: 1, excluding: [], shared: onB)
        let batches = [try await first, try await second]
        #expect(batches.map(\.attempts.count).sorted() == [0, 1])
        let loser = try #require(batches.first { $0.attempts.isEmpty })
        #expect(loser.storedCircuit?.circuit == halfOpen && loser.storedCircuit?.version == 2)
        #expect(try await nodes[0].deliveryDestination(id: f.destination.id)?.circuitVersion == 2)
    }
}
