import Foundation
import HookstreamCore
import JSONValue
import Testing

@Suite struct CircuitBreakerLifecycleTests {
    let origin = Date(timeIntervalSince1970: 1_772_366_400)  // 2026-03-01T12:00:00Z
    func at(_ seconds: TimeInterval) -> Date { origin.addingTimeInterval(seconds) }

    @Test func defaultsAreFiveFailuresAndSixtySeconds() {
        let config = CircuitBreaker.Configuration()
        #expect(config.failureThreshold == 5)
        #expect(config.cooldown == 60)
        #expect(config == .default)
    }

    @Test func fullCycleWithTheDefaults() {
        let config = CircuitBreaker.Configuration.default
        var breaker = CircuitBreaker()
        for i in 0..<4 {
            #expect(breaker.requestPermission(at: at(Double(i)), configuration: config) == .send)
            #expect(breaker.recordFailure(of: .regular, at: at(Double(i)), configuration: config) == .none)
        }
        #expect(breaker.state == .closed)
        #expect(breaker.failureCount == 4)
        #expect(breaker.recordFailure(of: .regular, at: at(4), configuration: config) == .opened(cooldownEndsAt: at(64)))
        #expect(breaker.state == .open)
        #expect(breaker.openedAt == at(4))
        #expect(breaker.cooldownEnds(configuration: config) == at(64))

        #expect(breaker.requestPermission(at: at(63.9), configuration: config) == .wait(until: at(64)))
        #expect(breaker.requestPermission(at: at(64), configuration: config) == .sendProbe(halfOpened: true))
        // Exactly one probe: everyone else waits while it is in flight.
        for later in [64.0, 70, 100] {
            #expect(breaker.requestPermission(at: at(later), configuration: config) == .wait(until: at(184)))
        }
        #expect(breaker.recordFailure(of: .probe, at: at(65), configuration: config) == .reopened(cooldownEndsAt: at(125)))
        #expect(breaker.openedAt == at(65))
        #expect(breaker.failureCount == 6)

        #expect(breaker.cooldownElapsed(at: at(125), configuration: config) == .halfOpened)
        #expect(breaker.cooldownCountIsUnchanged(6))
        #expect(breaker.requestPermission(at: at(126), configuration: config) == .sendProbe(halfOpened: false))
        #expect(breaker.requestPermission(at: at(127), configuration: config) == .wait(until: at(246)))
        #expect(breaker.recordSuccess(of: .probe, at: at(128)) == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.failureCount == 0)
        #expect(breaker.openedAt == nil)
        #expect(breaker.lastFailureAt == at(65))
        #expect(breaker.requestPermission(at: at(129), configuration: config) == .send)
    }

    @Test func aSuccessBreaksTheStreak() {
        let config = CircuitBreaker.Configuration(failureThreshold: 3)
        var breaker = CircuitBreaker()
        _ = breaker.recordFailure(of: .regular, at: at(0), configuration: config)
        _ = breaker.recordFailure(of: .regular, at: at(1), configuration: config)
        _ = breaker.recordSuccess(of: .regular, at: at(2))
        _ = breaker.recordFailure(of: .regular, at: at(3), configuration: config)
        _ = breaker.recordFailure(of: .regular, at: at(4), configuration: config)
        #expect(breaker.state == .closed)
        #expect(breaker.recordFailure(of: .regular, at: at(5), configuration: config) == .opened(cooldownEndsAt: at(65)))
    }

    @Test(arguments: [1, 2, 7])
    func thresholdIsAParameter(_ threshold: Int) {
        let config = CircuitBreaker.Configuration(failureThreshold: threshold, cooldown: 0.5)
        var breaker = CircuitBreaker()
        for i in 1..<threshold {
            #expect(breaker.recordFailure(of: .regular, at: at(Double(i)), configuration: config) == .none)
        }
        #expect(
            breaker.recordFailure(of: .regular, at: at(100), configuration: config)
                == .opened(cooldownEndsAt: at(100.5)))
        #expect(breaker.requestPermission(at: at(100.5), configuration: config) == .sendProbe(halfOpened: true))
    }

    @Test func aChangedCooldownAppliesToAnAlreadyOpenCircuit() {
        var breaker = CircuitBreaker()
        _ = breaker.recordFailure(of: .regular, at: at(0), configuration: .init(failureThreshold: 1))
        #expect(breaker.requestPermission(at: at(5), configuration: .init(cooldown: 60)) == .wait(until: at(60)))
        #expect(breaker.requestPermission(at: at(5), configuration: .init(cooldown: 2)) == .sendProbe(halfOpened: true))
    }

    @Test func configurationClampsNonsense() {
        let config = CircuitBreaker.Configuration(failureThreshold: 0, cooldown: -5, probeTimeout: .infinity)
        #expect(config.failureThreshold == 1)
        #expect(config.cooldown == 0)
        #expect(config.probeTimeout == CircuitBreaker.Configuration.defaultProbeTimeout)
    }

    @Test func restoringRepairsInconsistentRows() {
        let open = CircuitBreaker(
            state: .open, failureCount: -2, lastFailureAt: nil, openedAt: nil, probeStartedAt: at(1),
            lastTransitionAt: at(3))
        #expect(open.failureCount == 0)
        #expect(open.openedAt == at(3))
        #expect(open.probeStartedAt == nil)

        let lost = CircuitBreaker(
            state: .halfOpen, failureCount: 5, lastFailureAt: nil, openedAt: nil, probeStartedAt: nil,
            lastTransitionAt: nil)
        #expect(lost.openedAt == Date(timeIntervalSince1970: 0))
        var probing = lost
        #expect(probing.requestPermission(at: at(0), configuration: .default) == .sendProbe(halfOpened: false))

        let closed = CircuitBreaker(
            state: .closed, failureCount: 1, lastFailureAt: at(0), openedAt: at(0), probeStartedAt: at(0),
            lastTransitionAt: nil)
        #expect(closed.openedAt == nil)
        #expect(closed.probeStartedAt == nil)
    }

    @Test(arguments: CircuitBreaker.State.allCases)
    func codableRoundTrip(_ state: CircuitBreaker.State) throws {
        let original = CircuitBreaker(
            state: state, failureCount: 5, lastFailureAt: at(1), openedAt: at(2),
            probeStartedAt: state == .halfOpen ? at(3) : nil, lastTransitionAt: at(2))
        let data = try JSONEncoder().encode(original)
        #expect(try JSONDecoder().decode(CircuitBreaker.self, from: data) == original)
        let json = try JSON(parsing: data)
        #expect(json["state"] == .string(state.rawValue))
        #expect(json["failure_count"] == 5)
    }

    @Test func codableOmitsNilTimestampsAndDecodesAMinimalRow() throws {
        let data = try JSONEncoder().encode(CircuitBreaker())
        #expect(try JSON(parsing: data) == ["state": "closed", "failure_count": 0])
        #expect(try JSONDecoder().decode(CircuitBreaker.self, from: Data(#"{"state":"closed"}"#.utf8)) == CircuitBreaker())
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CircuitBreaker.self, from: Data(#"{"state":"tripped"}"#.utf8))
        }
    }

    @Test func statusHasTheAPIFields() {
        #expect(
            CircuitBreaker().statusJSON(destinationID: "dst_1")
                == [
                    "destination_id": "dst_1", "state": "closed", "failure_count": 0, "last_failure_at": nil,
                    "opened_at": nil, "last_transition_at": nil,
                ])

        var breaker = CircuitBreaker()
        _ = breaker.recordFailure(of: .regular, at: at(0), configuration: .init(failureThreshold: 1))
        #expect(
            breaker.statusJSON(destinationID: "dst_1")
                == [
                    "destination_id": "dst_1", "state": "open", "failure_count": 1,
                    "last_failure_at": "2026-03-01T12:00:00.000Z", "opened_at": "2026-03-01T12:00:00.000Z",
                    "last_transition_at": "2026-03-01T12:00:00.000Z",
                ])

        _ = breaker.cooldownElapsed(at: at(90), configuration: .default)
        #expect(breaker.statusJSON(destinationID: "dst_1")["state"] == "half_open")
        #expect(breaker.statusJSON(destinationID: "dst_1")["last_transition_at"] == "2026-03-01T12:01:30.000Z")

        _ = breaker.reset(at: at(120))
        let reset = breaker.statusJSON(destinationID: "dst_1")
        #expect(reset["state"] == "closed")
        #expect(reset["failure_count"] == 0)
        #expect(reset["opened_at"] == .null)
    }
}

extension CircuitBreaker {
    /// A half-open transition by timer leaves the failure statistics alone.
    fileprivate func cooldownCountIsUnchanged(_ expected: Int) -> Bool {
        state == .halfOpen && failureCount == expected && probeStartedAt == nil
    }
}
