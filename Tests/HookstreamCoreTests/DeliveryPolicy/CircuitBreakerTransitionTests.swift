import Foundation
import HookstreamCore
import Testing

/// Seconds after a fixed origin, so table rows read as a timeline.
private func t(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: 1_000_000 + seconds) }

private func breaker(
    _ state: CircuitBreaker.State, _ count: Int, lastFailure: Date? = nil, opened: Date? = nil, probe: Date? = nil,
    transition: Date? = nil
) -> CircuitBreaker {
    CircuitBreaker(
        state: state, failureCount: count, lastFailureAt: lastFailure, openedAt: opened, probeStartedAt: probe,
        lastTransitionAt: transition)
}

/// Threshold 3, cooldown 60 s, probe presumed lost after 30 s.
private let config = CircuitBreaker.Configuration(failureThreshold: 3, cooldown: 60, probeTimeout: 30)

enum BreakerEvent: Hashable, Sendable {
    case requestPermission
    case success(CircuitBreaker.AttemptKind)
    case failure(CircuitBreaker.AttemptKind)
    case cooldownElapsed
    case abandonProbe
    case reset
}

enum BreakerResult: Hashable, Sendable {
    case permission(CircuitBreaker.Permission)
    case action(CircuitBreaker.Action)
}

struct Transition: Sendable, CustomTestStringConvertible {
    let fixture: String
    let start: CircuitBreaker
    let now: Date
    let event: BreakerEvent
    let result: BreakerResult
    let end: CircuitBreaker
    var testDescription: String { "\(fixture) + \(event)" }
}

// The fixtures: every state and sub-state the machine can be asked about.
private let closedFresh = breaker(.closed, 0)
private let closedNear = breaker(.closed, 2, lastFailure: t(-5))
private let openCooling = breaker(.open, 3, lastFailure: t(0), opened: t(0), transition: t(0))
private let halfIdle = breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), transition: t(60))
private let halfProbing = breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), probe: t(65), transition: t(60))

private func rows(
    _ fixture: String, _ start: CircuitBreaker, at now: Date, _ cases: [(BreakerEvent, BreakerResult, CircuitBreaker)]
) -> [Transition] {
    cases.map { Transition(fixture: fixture, start: start, now: now, event: $0.0, result: $0.1, end: $0.2) }
}

private let table: [Transition] =
    rows(
        "closed, no failures", closedFresh, at: t(0),
        [
            (.requestPermission, .permission(.send), closedFresh),
            (.success(.regular), .action(.none), closedFresh),
            (.success(.probe), .action(.none), closedFresh),
            (.failure(.regular), .action(.none), breaker(.closed, 1, lastFailure: t(0))),
            (.failure(.probe), .action(.none), breaker(.closed, 1, lastFailure: t(0))),
            (.cooldownElapsed, .action(.none), closedFresh),
            (.abandonProbe, .action(.none), closedFresh),
            (.reset, .action(.none), closedFresh),
        ])
    + rows(
        "closed, one failure short of the threshold", closedNear, at: t(0),
        [
            (.requestPermission, .permission(.send), closedNear),
            (.success(.regular), .action(.none), breaker(.closed, 0, lastFailure: t(-5))),
            (.success(.probe), .action(.none), breaker(.closed, 0, lastFailure: t(-5))),
            (
                .failure(.regular), .action(.opened(cooldownEndsAt: t(60))),
                breaker(.open, 3, lastFailure: t(0), opened: t(0), transition: t(0))
            ),
            (
                .failure(.probe), .action(.opened(cooldownEndsAt: t(60))),
                breaker(.open, 3, lastFailure: t(0), opened: t(0), transition: t(0))
            ),
            (.cooldownElapsed, .action(.none), closedNear),
            (.abandonProbe, .action(.none), closedNear),
            (.reset, .action(.none), breaker(.closed, 0, lastFailure: t(-5))),
        ])
    + rows(
        "open, cooling down", openCooling, at: t(10),
        [
            (.requestPermission, .permission(.wait(until: t(60))), openCooling),
            (.success(.regular), .action(.none), openCooling),
            (.success(.probe), .action(.none), openCooling),
            (.failure(.regular), .action(.none), breaker(.open, 4, lastFailure: t(10), opened: t(0), transition: t(0))),
            (.failure(.probe), .action(.none), breaker(.open, 4, lastFailure: t(10), opened: t(0), transition: t(0))),
            (.cooldownElapsed, .action(.none), openCooling),
            (.abandonProbe, .action(.none), openCooling),
            (.reset, .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(10))),
        ])
    + rows(
        "open, cooldown just elapsed", openCooling, at: t(60),
        [
            (
                .requestPermission, .permission(.sendProbe(halfOpened: true)),
                breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), probe: t(60), transition: t(60))
            ),
            (.success(.regular), .action(.none), openCooling),
            (.success(.probe), .action(.none), openCooling),
            (.failure(.regular), .action(.none), breaker(.open, 4, lastFailure: t(60), opened: t(0), transition: t(0))),
            (.failure(.probe), .action(.none), breaker(.open, 4, lastFailure: t(60), opened: t(0), transition: t(0))),
            (
                .cooldownElapsed, .action(.halfOpened),
                breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), transition: t(60))
            ),
            (.abandonProbe, .action(.none), openCooling),
            (.reset, .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(60))),
        ])
    + rows(
        "half-open, no probe yet", halfIdle, at: t(70),
        [
            (
                .requestPermission, .permission(.sendProbe(halfOpened: false)),
                breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), probe: t(70), transition: t(60))
            ),
            (.success(.regular), .action(.none), halfIdle),
            (.success(.probe), .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(70))),
            (
                .failure(.regular), .action(.none),
                breaker(.halfOpen, 4, lastFailure: t(70), opened: t(0), transition: t(60))
            ),
            (
                .failure(.probe), .action(.reopened(cooldownEndsAt: t(130))),
                breaker(.open, 4, lastFailure: t(70), opened: t(70), transition: t(70))
            ),
            (.cooldownElapsed, .action(.none), halfIdle),
            (.abandonProbe, .action(.none), halfIdle),
            (.reset, .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(70))),
        ])
    + rows(
        "half-open, probe in flight", halfProbing, at: t(70),
        [
            (.requestPermission, .permission(.wait(until: t(95))), halfProbing),
            (.success(.regular), .action(.none), halfProbing),
            (.success(.probe), .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(70))),
            (
                .failure(.regular), .action(.none),
                breaker(.halfOpen, 4, lastFailure: t(70), opened: t(0), probe: t(65), transition: t(60))
            ),
            (
                .failure(.probe), .action(.reopened(cooldownEndsAt: t(130))),
                breaker(.open, 4, lastFailure: t(70), opened: t(70), transition: t(70))
            ),
            (.cooldownElapsed, .action(.none), halfProbing),
            (.abandonProbe, .action(.none), halfIdle),
            (.reset, .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(70))),
        ])
    + rows(
        "half-open, probe presumed lost", halfProbing, at: t(95),
        [
            (
                .requestPermission, .permission(.sendProbe(halfOpened: false)),
                breaker(.halfOpen, 3, lastFailure: t(0), opened: t(0), probe: t(95), transition: t(60))
            ),
            (.success(.probe), .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(95))),
            (
                .failure(.probe), .action(.reopened(cooldownEndsAt: t(155))),
                breaker(.open, 4, lastFailure: t(95), opened: t(95), transition: t(95))
            ),
            (.abandonProbe, .action(.none), halfIdle),
            (.reset, .action(.closed), breaker(.closed, 0, lastFailure: t(0), transition: t(95))),
        ])

@Suite struct CircuitBreakerTransitionTests {
    @Test(arguments: table)
    func transition(_ row: Transition) {
        var subject = row.start
        let result: BreakerResult
        switch row.event {
        case .requestPermission:
            result = .permission(subject.requestPermission(at: row.now, configuration: config))
        case .success(let kind):
            result = .action(subject.recordSuccess(of: kind, at: row.now))
        case .failure(let kind):
            result = .action(subject.recordFailure(of: kind, at: row.now, configuration: config))
        case .cooldownElapsed:
            result = .action(subject.cooldownElapsed(at: row.now, configuration: config))
        case .abandonProbe:
            result = .action(subject.abandonProbe())
        case .reset:
            result = .action(subject.reset(at: row.now))
        }
        #expect(result == row.result)
        #expect(subject == row.end)
    }

    @Test func theTableCoversEveryEventInEveryState() {
        let events: Set<BreakerEvent> = [
            .requestPermission, .success(.regular), .success(.probe), .failure(.regular), .failure(.probe),
            .cooldownElapsed, .abandonProbe, .reset,
        ]
        for state in CircuitBreaker.State.allCases {
            let covered = Set(table.filter { $0.start.state == state }.map(\.event))
            #expect(covered == events, "\(state)")
        }
    }
}
