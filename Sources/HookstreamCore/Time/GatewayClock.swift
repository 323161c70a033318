import Foundation
import Synchronization

/// The one source of time for everything time-based in the gateway: the delivery scheduler,
/// circuit cooldowns, dedup windows, issue auto-resolve, periodic jobs and retention.
///
/// Production uses ``SystemClock``. Tests inject a ``ManualClock`` and move time forward
/// themselves, so a test of "nothing happens before the cooldown ends" advances the clock to
/// just before the end and checks, instead of sleeping and hoping.
///
/// Time is wall-clock time (Unix milliseconds are what the database stores), so a sleeper waits
/// for a wall-clock instant rather than a duration.
public protocol GatewayClock: Sendable {
    /// The current wall-clock time.
    var now: Date { get }
    /// Returns once ``now`` has reached `deadline` (at once if it already has).
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension GatewayClock {
    /// The current time in Unix milliseconds, as the store keeps it.
    public var nowMillis: Int64 { Timestamp.millis(now) }

    /// Returns once `duration` of this clock's time has passed.
    public func sleep(for duration: Duration) async throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try await sleep(until: now.addingTimeInterval(seconds))
    }

    /// Returns once this clock reaches `millis` (Unix milliseconds).
    public func sleep(untilMillis millis: Int64) async throws {
        try await sleep(until: Timestamp.date(millis: millis))
    }
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemClock: GatewayClock {
    public init() {}

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}

/// A clock that only moves when a test moves it. Sleepers wake, in deadline order, when
/// ``advance(by:)`` or ``advance(to:)`` passes their deadline; cancelling a sleeper's task
/// wakes it with `CancellationError`.
public final class ManualClock: GatewayClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Starts at `start` (by default the real time now, so stored timestamps look ordinary).
    public init(start: Date = Date()) {
        state = Mutex(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock; lets a test wait until a job has gone to sleep
    /// before it moves time.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Whether a task sleeps until exactly `deadline`; lets a test wait until a paced job has
    /// gone back to sleep, and see which instant it chose to wake at.
    public func hasSleeper(until deadline: Date) -> Bool { state.withLock { $0.sleepers.contains { $0.deadline == deadline } } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> Bool in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let cancelled = state.withLock { s -> Sleeper? in
                guard let index = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration` and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        advance(to: now.addingTimeInterval(seconds))
    }

    /// Moves time forward to `instant` (never backwards) and wakes the sleepers that are due.
    public func advance(to instant: Date) {
        let due = state.withLock { s -> [Sleeper] in
            if instant > s.now { s.now = instant }
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
