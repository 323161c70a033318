import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// The delivery engine's writes (`recordDelivery`) on every backend: attempt results and
/// circuit changes commit together, and a circuit never goes back to an older version.
@Suite struct DeliveryRecordConformanceTests {
    static let t0 = StoreFixture.t0
    static let policy = CircuitBreaker.Configuration(failureThreshold: 1, cooldown: 60)

    func stored(_ store: any Store, _ destinationID: String) async throws -> (CircuitBreaker.State, Int64) {
        let loaded = try #require(try await store.deliveryDestination(id: destinationID))
        return (loaded.destination.circuit.state, loaded.circuitVersion)
    }

    @Test(arguments: StoreBackend.all)
    func circuitChangesCommitWithResultsAndNeverGoBack(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let event = try await f.ingest(at: Self.t0).event
        let claimed = try #require(try await store.claimDue(destinationID: f.destination.id, now: Self.t0, limit: 1, excluding: []).attempts.first)

        var circuit = CircuitBreaker()
        _ = circuit.recordFailure(of: .regular, at: Timestamp.date(millis: Self.t0), configuration: Self.policy)
        let open = circuit
        try await store.recordDelivery([.circuit(destinationID: f.destination.id, circuit: open, version: 1)])
        #expect(try await stored(store, f.destination.id) == (.open, 1))

        // One batch: the probe handed out (half-open), then its result closing the circuit.
        _ = circuit.requestPermission(at: Timestamp.date(millis: Self.t0 + 60_000), configuration: Self.policy)
        let halfOpen = circuit
        _ = circuit.recordSuccess(of: .probe, at: Timestamp.date(millis: Self.t0 + 60_100))
        var attempt = claimed.attempt
        attempt.status = .success
        attempt.statusCode = 200
        attempt.attemptedAt = Self.t0 + 60_000
        try await store.recordDelivery([
            .circuit(destinationID: f.destination.id, circuit: halfOpen, version: 2),
            .attempt(AttemptResult(attempt: attempt, circuit: (circuit, 3))),
        ])
        #expect(try await stored(store, f.destination.id) == (.closed, 3))
        #expect(try await store.deliveryAttempt(id: attempt.id, tenant: f.tenant)?.attempt.status == .success)
        #expect(try await store.pendingDestinations()[f.destination.id] == nil)
        #expect(try await store.event(id: event.id, tenant: f.tenant)?.event.status == .delivered)

        // A late write of an older state changes nothing.
        try await store.recordDelivery([.circuit(destinationID: f.destination.id, circuit: open, version: 2)])
        #expect(try await stored(store, f.destination.id) == (.closed, 3))
    }
}
