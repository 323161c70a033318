import Foundation
import HookstreamCore
import Testing

@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyWhenTimeReachesTheirDeadline() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_000))
        let woke = Task { () -> Date in
            try await clock.sleep(for: .seconds(10))
            return clock.now
        }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .seconds(9.999))
        #expect(clock.sleeperCount == 1, "a deadline 1 ms away must not have fired")
        clock.advance(by: .milliseconds(1))
        #expect(try await woke.value == Date(timeIntervalSince1970: 1_010))
        #expect(clock.sleeperCount == 0)
    }

    @Test func aSleeperIsFoundByItsDeadlineUntilItWakes() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_000))
        let deadline = Date(timeIntervalSince1970: 1_002)
        let sleeper = Task { try await clock.sleep(until: deadline) }
        while !clock.hasSleeper(until: deadline) { await Task.yield() }
        #expect(!clock.hasSleeper(until: Date(timeIntervalSince1970: 1_001)))
        clock.advance(by: .seconds(1))
        #expect(clock.hasSleeper(until: deadline))
        clock.advance(by: .seconds(1))
        #expect(!clock.hasSleeper(until: deadline))
        try await sleeper.value
    }

    @Test func aPastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 50))
        try await clock.sleep(until: Date(timeIntervalSince1970: 49))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperWakesItWithCancellation() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(3600)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func timeNeverMovesBackwards() {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 100))
        clock.advance(to: Date(timeIntervalSince1970: 90))
        #expect(clock.now == Date(timeIntervalSince1970: 100))
        #expect(clock.nowMillis == 100_000)
    }
}
