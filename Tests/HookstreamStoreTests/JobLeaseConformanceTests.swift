import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// `acquireJobLease` on every backend, from two nodes on one database: the lease the alert
/// scheduler takes each tick so that one node at a time evaluates. Time is the `now` each
/// caller passes (its injected clock); the store never reads a clock of its own here.
@Suite struct JobLeaseConformanceTests {
    static let t0 = StoreFixture.t0

    @Test(arguments: StoreBackend.all)
    func oneHolderAtATimeRenewedByItsHolderAndTakenOverOnlyAfterExpiry(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let (a, b) = (nodes[0], nodes[1])
        let t0 = Self.t0
        func take(_ store: any Store, _ holder: String, at now: Int64, for length: Int64 = 30_000, name: String = "alerts") async throws -> Bool {
            try await store.acquireJobLease(name: name, holder: holder, now: now, until: now + length)
        }

        // A free lease goes to the first taker, until t0 + 30 s.
        #expect(try await take(a, "node-a", at: t0))
        // Refused to anyone else while held, to its last millisecond.
        #expect(try await !take(b, "node-b", at: t0 + 1))
        #expect(try await !take(b, "node-b", at: t0 + 29_999))
        // Its holder renews (the next tick): now held until t0 + 50 s.
        #expect(try await take(a, "node-a", at: t0 + 20_000))
        // So the first expiry no longer frees it.
        #expect(try await !take(b, "node-b", at: t0 + 30_000))
        #expect(try await !take(b, "node-b", at: t0 + 49_999))
        // Another job's lease is its own.
        #expect(try await take(b, "node-b", at: t0 + 30_000, name: "other-job"))

        // The holder stops renewing (its node died): at expiry another node takes over, and the
        // old holder, back again, is refused until the new lease ends in turn.
        #expect(try await take(b, "node-b", at: t0 + 50_000))
        #expect(try await !take(a, "node-a", at: t0 + 50_001))
        #expect(try await !take(a, "node-a", at: t0 + 79_999))
        #expect(try await take(b, "node-b", at: t0 + 60_000))
        #expect(try await take(a, "node-a", at: t0 + 90_000))
    }

    /// Two nodes whose ticks fall together on an expired lease: exactly one gets it.
    @Test(arguments: StoreBackend.all)
    func ofTwoSimultaneousTakersExactlyOneWins(_ backend: StoreBackend) async throws {
        let nodes = try await backend.makeNodes(2)
        let t0 = Self.t0
        #expect(try await nodes[0].acquireJobLease(name: "alerts", holder: "node-c", now: t0, until: t0 + 1000))
        for round in 1...20 {
            let now = t0 + Int64(round) * 1000
            async let first = nodes[0].acquireJobLease(name: "alerts", holder: "node-a-\(round)", now: now, until: now + 1000)
            async let second = nodes[1].acquireJobLease(name: "alerts", holder: "node-b-\(round)", now: now, until: now + 1000)
            let won = try await [first, second]
            #expect(won.filter { $0 }.count == 1, "round \(round): \(won)")
        }
    }
}
