import HookstreamCore
import Testing

@testable import HookstreamDelivery

/// The scheduler's decisions as tables: given these events at these times, these actions.
@Suite struct DeliverySchedulerTests {
    typealias Action = DeliveryScheduler.Action
    typealias Item = DeliveryScheduler.ClaimedItem

    static func loaded(status: Destination.Status = .active, maxConcurrency: Int? = nil, circuit: CircuitBreaker = CircuitBreaker(), version: Int64 = 0)
        -> DeliveryScheduler.Loaded
    {
        let destination = Destination(
            id: "dst_a", tenant: Tenant(organizationID: "org_1", environmentID: "env_1"), name: "d", slug: "d", status: status,
            maxConcurrency: maxConcurrency, createdAt: 0, updatedAt: 0)
        return .init(runtime: DestinationRuntime(destination: destination, headers: [], signing: nil), circuit: circuit, circuitVersion: version)
    }

    /// Settings are re-read every `refreshMillis` (long by default, so tables need no reloads).
    static func scheduler(concurrency: Int = 8, failureThreshold: Int = 2, cooldown: Double = 10, refreshMillis: Int64 = 3_600_000, shared: Bool = false)
        -> DeliveryScheduler
    {
        DeliveryScheduler(
            configuration: .init(
                concurrency: concurrency, circuit: .init(failureThreshold: failureThreshold, cooldown: cooldown), refreshMillis: refreshMillis,
                shared: shared))
    }

    /// Wakes `destinations` at `now`, answers their loads with `loaded`, and returns the actions
    /// that follow.
    static func ready(_ s: inout DeliveryScheduler, _ destinations: [String], loaded: DeliveryScheduler.Loaded = loaded(), now: Int64 = 1000)
        -> [Action]
    {
        for d in destinations { s.woken(destinationID: d, now: now) }
        let loads = s.nextActions(now: now)
        #expect(Set(loads) == Set(destinations.map { Action.load(destinationID: $0) }))
        for d in destinations { #expect(s.destinationLoaded(d, loaded, now: now) == .none) }
        return s.nextActions(now: now)
    }

    /// A lane whose first attempt, da_1, failed at 1000 and opened the circuit (threshold 1);
    /// its retry is due at `retryAt`.
    static func openedByOneFailure(cooldown: Double, retryAt: Int64) -> DeliveryScheduler {
        var s = scheduler(concurrency: 8, failureThreshold: 1, cooldown: cooldown)
        let first = claims(ready(&s, ["dst_a"]))
        _ = s.claimed(first[0], attempts: items(["da_1"]), nextDue: nil, now: 1000)
        #expect(s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 1000).opened)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: retryAt)
        return s
    }

    static func claims(_ actions: [Action]) -> [DeliveryScheduler.ClaimRequest] {
        actions.compactMap { if case .claim(let request) = $0 { request } else { nil } }
    }

    static func items(_ ids: [String], at scheduledAt: Int64 = 500) -> [Item] {
        ids.map { Item(attemptID: $0, scheduledAt: scheduledAt) }
    }

    @Test func loadsTheDestinationThenClaimsUpToTheGlobalLimit() {
        var s = Self.scheduler(concurrency: 8)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        #expect(claims.map(\.limit) == [8])
        #expect(claims.map(\.probe) == [false])
        let (starts, circuit) = s.claimed(claims[0], attempts: Self.items(["da_1", "da_2"]), nextDue: nil, now: 1000)
        #expect(starts.map(\.attemptID) == ["da_1", "da_2"])
        #expect(circuit == nil)
        #expect(s.inFlight == 2)
        // Nothing more due: nothing to do, no sleep.
        #expect(s.nextActions(now: 1000) == [])
        // A retry scheduled by a recorded failure is slept for.
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: 4000)
        #expect(s.nextActions(now: 1000) == [.sleep(untilMillis: 4000)])
        #expect(Self.claims(s.nextActions(now: 4000)).map(\.excluding) == [["da_2"]])
    }

    @Test func attemptsWaitingBehindAnEarlierOneOfTheirRowAreClaimedOnceAnAttemptFinishes() {
        var s = Self.scheduler(concurrency: 8)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        // The claim took da_1; the row's next change is due but ordered behind it.
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: nil, waitsOnOrder: true, now: 1000)
        #expect(s.nextActions(now: 1000) == [], "nothing to claim while da_1 is in flight")
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        #expect(Self.claims(s.nextActions(now: 1000)).map(\.destinationID) == ["dst_a"], "da_1 finished: look again")
    }

    @Test func anAttemptRecordedWhileAClaimRunsWakesTheAttemptsThatClaimFoundWaitingBehindIt() {
        // One at a time, every change ordered behind the one before (a captured table).
        var s = Self.scheduler(concurrency: 8)
        let first = Self.claims(Self.ready(&s, ["dst_a"], loaded: Self.loaded(maxConcurrency: 1)))
        _ = s.claimed(first[0], attempts: Self.items(["da_1"]), nextDue: nil, now: 1000)
        // da_1 has its answer; its result waits for the commit when new changes arrive, so
        // the freed slot is claimed for.
        _ = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: true, affectsCircuit: true, now: 1000)
        s.woken(destinationID: "dst_a", now: 1000)
        let second = Self.claims(s.nextActions(now: 1000))
        #expect(second.map(\.destinationID) == ["dst_a"])
        // The claim read da_1 as pending, so da_2 waited behind it; da_1's record landed
        // before the claim came back, and nothing else is in flight to wake the lane.
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        _ = s.claimed(second[0], attempts: [], nextDue: nil, waitsOnOrder: true, now: 1001)
        #expect(Self.claims(s.nextActions(now: 1001)).map(\.destinationID) == ["dst_a"], "da_2 can go now: claim again")
    }

    @Test func aChangeMadeWhileTheDestinationLoadsIsReadAgain() {
        var s = Self.scheduler(concurrency: 8)
        #expect(Self.ready(&s, ["dst_a"], loaded: Self.loaded(status: .paused)) == [])
        // Settings grow stale: the next wake reloads them, and the load reads the row (still
        // paused) just before a resume commits and is announced.
        s.woken(destinationID: "dst_a", now: 3_601_000)
        #expect(s.nextActions(now: 3_601_000) == [.load(destinationID: "dst_a")])
        s.destinationChanged("dst_a")
        _ = s.destinationLoaded("dst_a", Self.loaded(status: .paused), now: 3_601_000)
        #expect(s.nextActions(now: 3_601_000) == [.load(destinationID: "dst_a")], "the resume is read, not lost")
        _ = s.destinationLoaded("dst_a", Self.loaded(), now: 3_601_000)
        #expect(Self.claims(s.nextActions(now: 3_601_000)).map(\.destinationID) == ["dst_a"])
    }

    @Test func aProbeAbandonedBeforeItsAnswerLetsTheNextProbeGoWithoutWaitingForItsTimeout() {
        var s = Self.openedByOneFailure(cooldown: 10, retryAt: 2000)
        let probe = Self.claims(s.nextActions(now: 11_000))
        #expect(probe.map(\.probe) == [true])
        #expect(s.claimed(probe[0], attempts: Self.items(["da_1"]), nextDue: nil, now: 11_000).starts.map(\.isProbe) == [true])
        // Its event's body could not be read: released, to be tried again in 5 s.
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: 16_000)
        #expect(s.nextActions(now: 11_000) == [.sleep(untilMillis: 16_000)])
        #expect(Self.claims(s.nextActions(now: 16_000)).map(\.probe) == [true])
    }

    @Test func aClaimWithNothingWaitingLeavesFinishedAttemptsQuiet() {
        var s = Self.scheduler(concurrency: 8)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: nil, now: 1000)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        #expect(s.nextActions(now: 1000) == [])
    }

    @Test func olderWorkGetsScarceSlotsFirst() {
        var s = Self.scheduler(concurrency: 1)
        s.woken(destinationID: "dst_b", now: 300)
        s.woken(destinationID: "dst_a", now: 700)
        #expect(s.nextActions(now: 1000).count == 2)
        for d in ["dst_a", "dst_b"] { _ = s.destinationLoaded(d, Self.loaded(), now: 1000) }
        #expect(Self.claims(s.nextActions(now: 1000)).map(\.destinationID) == ["dst_b"])
    }

    @Test(arguments: [
        // (global concurrency, max_concurrency of both, expected limits of dst_a and dst_b)
        (4, nil, [2, 2]), (5, nil, [3, 2]), (1, nil, [1]), (8, 3, [3, 3]), (64, 1, [1, 1]),
    ] as [(Int, Int?, [Int])])
    func slotsAreSharedEvenlyBetweenDestinations(concurrency: Int, perDestination: Int?, limits: [Int]) {
        var s = Self.scheduler(concurrency: concurrency)
        let claims = Self.claims(Self.ready(&s, ["dst_a", "dst_b"], loaded: Self.loaded(maxConcurrency: perDestination)))
        #expect(claims.map(\.limit) == limits)
        #expect(s.inFlight == limits.reduce(0, +))
        // While those claims are out, their slots stay reserved: nothing else is claimed.
        #expect(Self.claims(s.nextActions(now: 1000)) == [])
    }

    @Test func perDestinationLimitHoldsUntilASlotIsRecorded() {
        var s = Self.scheduler(concurrency: 64)
        let first = Self.claims(Self.ready(&s, ["dst_a"], loaded: Self.loaded(maxConcurrency: 2)))
        #expect(first.map(\.limit) == [2])
        // A full batch: more may be due now, but the lane is at its limit.
        _ = s.claimed(first[0], attempts: Self.items(["da_1", "da_2"]), nextDue: 1000, now: 1000)
        #expect(s.nextActions(now: 1000) == [])
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        let next = Self.claims(s.nextActions(now: 1001))
        #expect(next.map(\.limit) == [1])
        #expect(next.map(\.excluding) == [["da_2"]])
    }

    @Test func pausedDestinationHoldsThenReleasesItsBacklogInOrderedBatches() {
        var s = Self.scheduler(concurrency: 8)
        #expect(Self.ready(&s, ["dst_a"], loaded: Self.loaded(status: .paused)) == [])
        s.woken(destinationID: "dst_a", now: 2000)
        #expect(s.nextActions(now: 2000) == [])
        // Resumed at 3000: reloaded, and the backlog (scheduled up to 3000) is claimed as a
        // batch to be sent in order.
        s.destinationChanged("dst_a")
        #expect(s.nextActions(now: 3000) == [.load(destinationID: "dst_a")])
        _ = s.destinationLoaded("dst_a", Self.loaded(), now: 3000)
        var claims = Self.claims(s.nextActions(now: 3000))
        #expect(claims.map(\.limit) == [8])
        #expect(claims.map(\.inOrder) == [true])
        _ = s.claimed(claims[0], attempts: [Item(attemptID: "da_1", scheduledAt: 1000), Item(attemptID: "da_2", scheduledAt: 1100)], nextDue: 3000, now: 3000)
        #expect(s.mayContinueInOrder("dst_a"))
        // No second batch while the first is out: it would overtake it.
        #expect(s.nextActions(now: 3000) == [])
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        #expect(s.nextActions(now: 3000) == [])
        s.recorded(destinationID: "dst_a", attemptID: "da_2", retryAt: nil)
        claims = Self.claims(s.nextActions(now: 3001))
        #expect(claims.map(\.inOrder) == [true])
        // The oldest due attempt was scheduled after the release: the backlog is done.
        _ = s.claimed(claims[0], attempts: [Item(attemptID: "da_9", scheduledAt: 3500)], nextDue: 4000, now: 4000)
        s.recorded(destinationID: "dst_a", attemptID: "da_9", retryAt: nil)
        claims = Self.claims(s.nextActions(now: 4000))
        #expect(claims.map(\.limit) == [8])
        #expect(claims.map(\.inOrder) == [false])
    }

    @Test func anInOrderBatchStopsWhenTheCircuitOpensOrTheDestinationPauses() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 1, cooldown: 10)
        _ = Self.ready(&s, ["dst_a"], loaded: Self.loaded(status: .paused))
        s.destinationChanged("dst_a")
        _ = s.nextActions(now: 3000)
        _ = s.destinationLoaded("dst_a", Self.loaded(), now: 3000)
        let claims = Self.claims(s.nextActions(now: 3000))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1", "da_2", "da_3"]), nextDue: 3000, now: 3000)
        #expect(s.mayContinueInOrder("dst_a"))
        #expect(s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 3100).opened)
        #expect(!s.mayContinueInOrder("dst_a"))
        // The rest is released as due now and waits for the cooldown's probe.
        for id in ["da_1", "da_2", "da_3"] { s.recorded(destinationID: "dst_a", attemptID: id, retryAt: 3100) }
        #expect(s.nextActions(now: 3200) == [.sleep(untilMillis: 13_100)])

        var paused = Self.scheduler(concurrency: 8)
        _ = Self.ready(&paused, ["dst_b"])
        _ = paused.destinationLoaded("dst_b", Self.loaded(status: .paused), now: 1000)
        #expect(!paused.mayContinueInOrder("dst_b"))
        paused.shutdown()
        #expect(!paused.mayContinueInOrder("dst_b"))
    }

    @Test func openCircuitWaitsForCooldownThenSendsASingleProbe() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 2, cooldown: 10)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1", "da_2"]), nextDue: nil, now: 1000)
        let first = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 1100)
        #expect(first.opened == false)
        #expect(first.change?.circuit.failureCount == 1)
        let second = s.finished(destinationID: "dst_a", attemptID: "da_2", isProbe: false, success: false, affectsCircuit: true, now: 1200)
        #expect(second.opened)
        #expect(second.change?.circuit.state == .open)
        // Versions only grow, so a late write of an older state is ignored by the store.
        #expect(second.change!.version > first.change!.version)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: 1300)
        s.recorded(destinationID: "dst_a", attemptID: "da_2", retryAt: 1300)
        s.woken(destinationID: "dst_a", now: 1400)
        // Open: held until the cooldown ends (1200 + 10 s).
        #expect(s.nextActions(now: 1400) == [.sleep(untilMillis: 11_200)])
        #expect(s.nextActions(now: 11_199) == [.sleep(untilMillis: 11_200)])
        let probe = Self.claims(s.nextActions(now: 11_200))
        #expect(probe.map(\.limit) == [1])
        #expect(probe.map(\.probe) == [true])
        let (starts, change) = s.claimed(probe[0], attempts: Self.items(["da_3"]), nextDue: 11_200, now: 11_200)
        #expect(starts == [.init(attemptID: "da_3", isProbe: true)])
        #expect(change?.circuit.state == .halfOpen)
        // More is due, but only the single probe may be out.
        #expect(s.nextActions(now: 11_300) == [])
        let closed = s.finished(destinationID: "dst_a", attemptID: "da_3", isProbe: true, success: true, affectsCircuit: true, now: 11_400)
        #expect(closed.change?.circuit.state == .closed)
        s.recorded(destinationID: "dst_a", attemptID: "da_3", retryAt: nil)
        // Closed: the held backlog is released in ordered batches.
        #expect(Self.claims(s.nextActions(now: 11_400)).map(\.inOrder) == [true])
    }

    /// A reset lands while a shared probe claim runs: the claim stored its half-open circuit at
    /// the version the reset also took, so the lane stores its closed circuit once more, above.
    @Test func aResetDuringASharedProbeClaimIsStoredAboveTheProbe() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 2, cooldown: 10, shared: true)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        let openedAt = Timestamp.date(millis: 1_000)
        let open = CircuitBreaker(state: .open, failureCount: 2, lastFailureAt: openedAt, openedAt: openedAt, probeStartedAt: nil, lastTransitionAt: openedAt)
        _ = s.claimed(claims[0], attempts: [], nextDue: 1000, storedCircuit: (open, 3), now: 1000)
        let probe = Self.claims(s.nextActions(now: 11_000))
        #expect(probe.map(\.probe) == [true] && probe[0].circuitVersion == 3)
        let reset = s.resetCircuit(destinationID: "dst_a", stored: (open, 3), now: 11_000)
        #expect(reset.version == 4 && reset.circuit.state == .closed)
        let (starts, change) = s.claimed(probe[0], attempts: Self.items(["da_1"]), nextDue: 11_000, now: 11_000)
        #expect(starts.isEmpty, "the probe is not sent: the circuit is closed")
        #expect(change?.circuit.state == .closed && change?.version == 5, "\(String(describing: change))")
        #expect(s.heldCircuit("dst_a")?.1 == 5)
    }

    /// On a shared database the stored circuit is every node's: a claim that found another
    /// node's newer circuit adopts it, a probe claim carries the half-open circuit it stores,
    /// and a half-open circuit whose probe another node sent waits for that probe's deadline.
    @Test func sharedLanesFollowTheStoredCircuitAndClaimTheProbeWithIt() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 2, cooldown: 10, shared: true)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        #expect(claims.map(\.circuitVersion) == [0])
        let openedAt = Timestamp.date(millis: 1_000)
        let open = CircuitBreaker(state: .open, failureCount: 2, lastFailureAt: openedAt, openedAt: openedAt, probeStartedAt: nil, lastTransitionAt: openedAt)
        // Another node opened the circuit: the claim took nothing and this lane adopts it.
        let (starts, change) = s.claimed(claims[0], attempts: [], nextDue: 1000, storedCircuit: (open, 3), now: 1000)
        #expect(starts.isEmpty && change == nil)
        #expect(s.heldCircuit("dst_a")?.0 == open && s.heldCircuit("dst_a")?.1 == 3)
        #expect(s.nextActions(now: 1000) == [.sleep(untilMillis: 11_000)])
        // After the cooldown the probe claim carries the circuit it must store.
        let probe = Self.claims(s.nextActions(now: 11_000))
        #expect(probe.map(\.probe) == [true])
        #expect(probe[0].circuitVersion == 3)
        #expect(probe[0].probeCircuit?.state == .halfOpen)
        // The other node stored its probe first: this lane adopts that and waits for it.
        var theirs = open
        _ = theirs.requestPermission(at: Timestamp.date(millis: 11_000), configuration: .init(failureThreshold: 2, cooldown: 10))
        _ = s.claimed(probe[0], attempts: [], nextDue: 11_000, storedCircuit: (theirs, 4), now: 11_000)
        #expect(s.heldCircuit("dst_a")?.1 == 4)
        #expect(s.nextActions(now: 11_100) == [.sleep(untilMillis: 11_000 + 120_000)], "their probe's deadline")
        // Their probe closed the circuit, seen at the next load.
        var closed = theirs
        _ = closed.recordSuccess(of: .probe, at: Timestamp.date(millis: 11_500))
        s.destinationChanged("dst_a")
        #expect(s.nextActions(now: 12_000) == [.load(destinationID: "dst_a")])
        _ = s.destinationLoaded("dst_a", Self.loaded(circuit: closed, version: 5), now: 12_000)
        let flowing = Self.claims(s.nextActions(now: 12_000))
        #expect(flowing.map(\.probe) == [false])
        #expect(flowing.map(\.inOrder) == [true], "the held backlog goes in order")
        #expect(flowing.map(\.circuitVersion) == [5])
        // Another node's batch of the backlog is in flight: this lane's backlog waits, still
        // in order.
        _ = s.claimed(flowing[0], attempts: [], nextDue: 12_200, waitsOnOtherNodes: true, now: 12_000)
        let again = Self.claims(s.nextActions(now: 12_200))
        #expect(again.map(\.inOrder) == [true])
        // A stored circuit that trails this node's own (its write is not committed yet) is
        // not adopted.
        _ = s.claimed(again[0], attempts: Self.items(["da_1"], at: 11_000), nextDue: nil, now: 12_200)
        let failed = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 12_100)
        #expect(failed.change?.version == 6)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: 12_200)
        let next = Self.claims(s.nextActions(now: 12_200))
        _ = s.claimed(next[0], attempts: [], nextDue: nil, storedCircuit: (closed, 5), now: 12_200)
        #expect(s.heldCircuit("dst_a")?.1 == 6)
    }

    @Test func failedProbeReopensAndATransformErrorFreesTheProbeSlot() {
        var s = Self.openedByOneFailure(cooldown: 1, retryAt: 1500)
        var probe = Self.claims(s.nextActions(now: 2000))
        _ = s.claimed(probe[0], attempts: Self.items(["da_2"]), nextDue: 2000, now: 2000)
        // A transform error says nothing about the destination: the circuit stays half-open.
        let neutral = s.finished(destinationID: "dst_a", attemptID: "da_2", isProbe: true, success: false, affectsCircuit: false, now: 2100)
        #expect(neutral.opened == false)
        s.recorded(destinationID: "dst_a", attemptID: "da_2", retryAt: nil)
        probe = Self.claims(s.nextActions(now: 2100))
        #expect(probe.map(\.probe) == [true])
        _ = s.claimed(probe[0], attempts: Self.items(["da_3"]), nextDue: 2100, now: 2100)
        let reopened = s.finished(destinationID: "dst_a", attemptID: "da_3", isProbe: true, success: false, affectsCircuit: true, now: 2200)
        #expect(reopened.opened)
        #expect(reopened.change?.circuit.state == .open)
        s.recorded(destinationID: "dst_a", attemptID: "da_3", retryAt: 9000)
        #expect(s.nextActions(now: 2300) == [.sleep(untilMillis: 3200)])
    }

    @Test func resetClosesAndReleasesInOrder() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 1, cooldown: 60)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: 1000, now: 1000)
        _ = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 1000)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: 2000)
        let version = s.heldCircuit("dst_a")!.1
        let change = s.resetCircuit(destinationID: "dst_a", stored: (CircuitBreaker(), 0), now: 5000)
        #expect(change.circuit.state == .closed)
        #expect(change.version == version + 1)
        #expect(Self.claims(s.nextActions(now: 5000)).map(\.inOrder) == [true])
    }

    @Test func aWakeDuringAClaimIsNotLost() {
        var s = Self.scheduler()
        var claims = Self.claims(Self.ready(&s, ["dst_a"]))
        // The claim query saw nothing more; meanwhile ingest committed a new delivery.
        s.woken(destinationID: "dst_a", now: 1001)
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: nil, now: 1002)
        claims = Self.claims(s.nextActions(now: 1002))
        #expect(claims.map(\.excluding) == [["da_1"]])
        // Without a wake, the claim's answer stands.
        _ = s.claimed(claims[0], attempts: [], nextDue: nil, now: 1003)
        #expect(s.nextActions(now: 1003) == [])
    }

    @Test func settingsAreReReadAfterTheRefreshInterval() {
        var s = Self.scheduler(refreshMillis: 5000)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: 7000, now: 1000)
        #expect(s.nextActions(now: 5999) == [.sleep(untilMillis: 7000)])
        #expect(s.nextActions(now: 7000) == [.load(destinationID: "dst_a")])
        // Paused elsewhere: the due work is held.
        _ = s.destinationLoaded("dst_a", Self.loaded(status: .paused), now: 7000)
        #expect(s.nextActions(now: 7000) == [])
    }

    @Test func failuresBackOffAndADeletedDestinationCancelsItsWork() {
        var s = Self.scheduler()
        s.woken(destinationID: "dst_a", now: 1000)
        #expect(s.nextActions(now: 1000) == [.load(destinationID: "dst_a")])
        s.failed("dst_a", now: 1000)
        #expect(s.nextActions(now: 1500) == [.sleep(untilMillis: 2000)])
        #expect(s.nextActions(now: 2000) == [.load(destinationID: "dst_a")])
        #expect(s.destinationLoaded("dst_a", nil, now: 2000) == .cancelPending(destinationID: "dst_a"))
        #expect(s.nextActions(now: 2000) == [])
        #expect(s.heldCircuit("dst_a") == nil)
        // A failed claim frees the slots it reserved.
        let claims = Self.claims(Self.ready(&s, ["dst_b"], now: 3000))
        #expect(s.inFlight == 8)
        s.failed(claims[0].destinationID, now: 3000)
        #expect(s.inFlight == 0)
    }

    @Test func shutdownStartsNothingNew() {
        var s = Self.scheduler()
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: 1000, now: 1000)
        s.shutdown()
        s.woken(destinationID: "dst_a", now: 1000)
        #expect(s.nextActions(now: 1000) == [])
        #expect(s.inFlight == 1)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        #expect(s.inFlight == 0)
        #expect(s.nextActions(now: 9000) == [])
    }

    /// Live attempts are reserved for the hand-off only where a claim would send them at once;
    /// a reserved attempt is in flight, so no claim takes it.
    @Test func reservationsGoOnlyToLanesThatCouldSendAtOnce() {
        var s = Self.scheduler(concurrency: 4)
        // An unknown lane: it must be loaded first.
        let reserved1 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_1"], now: 1000)

        #expect(!reserved1)
        let claims = Self.claims(Self.ready(&s, ["dst_a"], loaded: Self.loaded(maxConcurrency: 3)))
        // A claim is outstanding: it could still find older work.
        let reserved2 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_1"], now: 1000)

        #expect(!reserved2)
        // The claim left more due in the store: that backlog goes first.
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: 1000, now: 1000)
        let reserved3 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_9"], now: 1000)

        #expect(!reserved3)
        let next = Self.claims(s.nextActions(now: 1000))
        _ = s.claimed(next[0], attempts: [], nextDue: 5000, now: 1000)
        // Caught up (the next due attempt is a retry at 5000): reserved, up to the lane's limit.
        let reserved4 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_2", "da_3"], now: 1000)

        #expect(reserved4)
        #expect(s.inFlight == 3)
        let reserved5 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_4"], now: 1000)

        #expect(!reserved5)
        // A claim planned now skips the reserved attempts; one that finds them anyway does not
        // start them again.
        let late = Self.claims(s.nextActions(now: 5000))
        #expect(late.isEmpty)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        let after = Self.claims(s.nextActions(now: 5000))
        #expect(after.map(\.excluding) == [["da_2", "da_3"]])
        let (starts, _) = s.claimed(after[0], attempts: Self.items(["da_2", "da_5"]), nextDue: nil, now: 5000)
        #expect(starts.map(\.attemptID) == ["da_5"])
        #expect(s.inFlight == 3)
        for id in ["da_2", "da_3", "da_5"] { s.recorded(destinationID: "dst_a", attemptID: id, retryAt: nil) }
        #expect(s.inFlight == 0)
        let reserved6 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_6"], now: 5000)

        #expect(reserved6)
        s.recorded(destinationID: "dst_a", attemptID: "da_6", retryAt: nil)
        // Stale settings, a paused destination, an open circuit, shutdown: no reservation.
        let reserved7 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_7"], now: 5000 + 3_600_000)

        #expect(!reserved7)
        s.destinationChanged("dst_a")
        let reserved8 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_7"], now: 5000)

        #expect(!reserved8)
        s.shutdown()
        let reserved9 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_7"], now: 5000)

        #expect(!reserved9)
    }

    @Test func aLaneWithAnOpenCircuitOrOnASharedDatabaseReservesNothing() {
        var s = Self.scheduler(concurrency: 8, failureThreshold: 1)
        let claims = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(claims[0], attempts: Self.items(["da_1"]), nextDue: nil, now: 1000)
        _ = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: false, affectsCircuit: true, now: 1100)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        let reserved10 = s.reserve(destinationID: "dst_a", attemptIDs: ["da_2"], now: 1200)

        #expect(!reserved10)

        var shared = Self.scheduler(concurrency: 8, shared: true)
        let sharedClaims = Self.claims(Self.ready(&shared, ["dst_a"]))
        _ = shared.claimed(sharedClaims[0], attempts: [], nextDue: nil, now: 1000)
        let reserved11 = shared.reserve(destinationID: "dst_a", attemptIDs: ["da_2"], now: 1000)

        #expect(!reserved11)
    }

    /// A request's slot is free once its answer is in; the attempt stays excluded from claims
    /// until its result is committed, and at most four times the concurrency wait for that.
    @Test func aSlotFreesWhenTheAnswerIsInAndTheAttemptWhenItsResultIsCommitted() {
        var s = Self.scheduler(concurrency: 2)
        let first = Self.claims(Self.ready(&s, ["dst_a"]))
        _ = s.claimed(first[0], attempts: Self.items(["da_1", "da_2"]), nextDue: 1000, now: 1000)
        #expect(Self.claims(s.nextActions(now: 1000)).isEmpty)
        _ = s.finished(destinationID: "dst_a", attemptID: "da_1", isProbe: false, success: true, affectsCircuit: true, now: 1001)
        let next = Self.claims(s.nextActions(now: 1001))
        #expect(next.map(\.limit) == [1])
        #expect(next.map(\.excluding) == [["da_1", "da_2"]])
        _ = s.claimed(next[0], attempts: Self.items(["da_3"]), nextDue: 1000, now: 1001)
        #expect(s.inFlight == 3 && s.sending == 2)
        // Answers keep coming in while nothing is committed: up to 8 attempts in flight.
        var n = 3
        while true {
            _ = s.finished(destinationID: "dst_a", attemptID: "da_\(n)", isProbe: false, success: true, affectsCircuit: true, now: 1002)
            guard let claim = Self.claims(s.nextActions(now: 1002)).first else { break }
            n += 1
            _ = s.claimed(claim, attempts: Self.items(["da_\(n)"]), nextDue: 1000, now: 1002)
        }
        #expect(s.inFlight == 8)
        s.recorded(destinationID: "dst_a", attemptID: "da_1", retryAt: nil)
        #expect(Self.claims(s.nextActions(now: 1003)).map(\.limit) == [1])
    }
}
