public import Foundation

/// A destination's circuit breaker as a value-type state machine: the owner (the delivery
/// worker for that destination) holds one per destination, asks it before every attempt, tells
/// it every result, and carries out the ``Action`` each call returns. No clocks, timers or I/O
/// live here; time is always passed in.
///
/// States (spec: delivery pipeline, circuit breaker guide):
/// - **closed** — deliveries proceed; consecutive failures are counted. The
///   `failureThreshold`-th consecutive failure (default 5) opens the circuit.
/// - **open** — deliveries are held (queued, not dropped) until `cooldown` (default 60 s) has
///   passed since `openedAt`; then the circuit becomes half-open.
/// - **half-open** — exactly one probe attempt is let through. Its success closes the circuit
///   (the owner then delivers the held deliveries in order); its failure opens it again with a
///   new `openedAt`.
/// - A manual reset closes the circuit from any state and zeroes the failure count.
///
/// Concurrency: attempts that started before the circuit opened may report afterwards. Only
/// the probe's own result moves a half-open circuit; late results of regular attempts update
/// the failure statistics but never change the state (``AttemptKind``).
///
/// Persistence: every call may change the value; the owner stores it (it is `Codable`, or
/// store the public properties as columns) whenever it differs from what was loaded. A probe
/// cannot survive a process restart, so a single-node owner should call ``abandonProbe()`` on
/// every breaker it loads at start-up; otherwise a lost probe is replaced after
/// `Configuration.probeTimeout`.
///
/// ```swift
/// switch breaker.requestPermission(at: now, configuration: config) {
/// case .send: attempt(kind: .regular)
/// case .sendProbe(let halfOpened): if halfOpened { emit("circuit.half_opened") }; attempt(kind: .probe)
/// case .wait(let until): hold(until: until)
/// }
/// // …after the attempt:
/// let action = outcome.isSuccess ? breaker.recordSuccess(of: kind, at: now)
///                                : breaker.recordFailure(of: kind, at: now, configuration: config)
/// ```
public struct CircuitBreaker: Hashable, Sendable {
    /// The three states, spelled as the API answers them.
    public enum State: String, CaseIterable, Codable, Hashable, Sendable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// Thresholds, from the server's configuration (`--circuit-failure-threshold`,
    /// `--circuit-cooldown-seconds`). Not persisted with the state, so a changed setting applies
    /// to circuits already open.
    public struct Configuration: Hashable, Sendable {
        /// Consecutive failures that open a closed circuit (at least 1).
        public var failureThreshold: Int
        /// Seconds an open circuit waits before letting a probe through (at least 0).
        public var cooldown: TimeInterval
        /// Seconds after which a probe still without a result is presumed lost and another one
        /// is allowed (at least 0). Longer than any delivery timeout, so a live probe is never
        /// doubled.
        public var probeTimeout: TimeInterval

        public static let defaultFailureThreshold = 5
        public static let defaultCooldown: TimeInterval = 60
        public static let defaultProbeTimeout: TimeInterval = 120
        public static let `default` = Configuration()

        /// Out-of-range values are clamped (a threshold below 1 means 1, negative durations 0),
        /// so a bad flag degrades to the strictest breaker rather than a crash.
        public init(
            failureThreshold: Int = defaultFailureThreshold,
            cooldown: TimeInterval = defaultCooldown,
            probeTimeout: TimeInterval = defaultProbeTimeout
        ) {
            self.failureThreshold = max(1, failureThreshold)
            self.cooldown = cooldown.isFinite ? max(0, cooldown) : Self.defaultCooldown
            self.probeTimeout = probeTimeout.isFinite ? max(0, probeTimeout) : Self.defaultProbeTimeout
        }
    }

    /// Whether an attempt was let through as the half-open probe.
    public enum AttemptKind: Hashable, Sendable {
        case regular
        case probe
    }

    /// The answer to "may I send now?".
    public enum Permission: Hashable, Sendable {
        /// Closed: send as a regular attempt.
        case send
        /// Send this one delivery as the probe (report its result with `.probe`). `halfOpened`
        /// is true when this very call moved the circuit from open to half-open: persist and
        /// emit the transition.
        case sendProbe(halfOpened: Bool)
        /// Hold the delivery; ask again at `until` (the cooldown's end, or the in-flight
        /// probe's deadline) or as soon as a transition is reported.
        case wait(until: Date)
    }

    /// What the owner must do after a reported event.
    public enum Action: Hashable, Sendable {
        /// No transition (counters may still have changed: persist if the value differs).
        case none
        /// Closed → open: persist, open or update the destination's `circuit_open` issue, emit,
        /// and ask again (or schedule the half-open transition) at `cooldownEndsAt`.
        case opened(cooldownEndsAt: Date)
        /// Half-open → open because the probe failed: as ``opened(cooldownEndsAt:)``, with a
        /// new `openedAt`.
        case reopened(cooldownEndsAt: Date)
        /// Open → half-open (the cooldown timer fired): persist, emit, then request permission
        /// to send the probe.
        case halfOpened
        /// Open or half-open → closed (probe succeeded, or manual reset): persist, emit, and
        /// deliver the held deliveries in their original order.
        case closed
    }

    public private(set) var state: State
    /// Consecutive failures since the last success that counted or the last reset. Stays at
    /// its value while open (late failures still add to it), and is zeroed on close.
    public private(set) var failureCount: Int
    /// When the most recent failure was reported (kept across a reset, as history).
    public private(set) var lastFailureAt: Date?
    /// When the circuit last opened; set while open or half-open, `nil` when closed.
    public private(set) var openedAt: Date?
    /// When the half-open probe was let through; `nil` unless a probe is in flight.
    public private(set) var probeStartedAt: Date?
    /// When the state last changed.
    public private(set) var lastTransitionAt: Date?

    /// A new, closed circuit with no history.
    public init() {
        self.init(
            state: .closed, failureCount: 0, lastFailureAt: nil, openedAt: nil, probeStartedAt: nil,
            lastTransitionAt: nil)
    }

    /// Restores a persisted circuit. Inconsistent combinations are repaired rather than
    /// refused, so a damaged row never blocks deliveries forever: an open or half-open circuit
    /// without `openedAt` counts as opened at `lastTransitionAt` (or at the Unix epoch, so its
    /// cooldown has elapsed); `openedAt`/`probeStartedAt` are dropped where the state has none;
    /// a negative count reads as 0.
    public init(
        state: State, failureCount: Int, lastFailureAt: Date?, openedAt: Date?, probeStartedAt: Date?,
        lastTransitionAt: Date?
    ) {
        self.state = state
        self.failureCount = max(0, failureCount)
        self.lastFailureAt = lastFailureAt
        self.lastTransitionAt = lastTransitionAt
        switch state {
        case .closed:
            self.openedAt = nil
            self.probeStartedAt = nil
        case .open:
            self.openedAt = openedAt ?? lastTransitionAt ?? Date(timeIntervalSince1970: 0)
            self.probeStartedAt = nil
        case .halfOpen:
            self.openedAt = openedAt ?? lastTransitionAt ?? Date(timeIntervalSince1970: 0)
            self.probeStartedAt = probeStartedAt
        }
    }

    /// When an open circuit may let a probe through; `nil` unless open.
    public func cooldownEnds(configuration: Configuration) -> Date? {
        guard state == .open, let openedAt else { return nil }
        return openedAt.addingTimeInterval(configuration.cooldown)
    }

    // MARK: - Events

    /// "May I send now?" Moves an open circuit whose cooldown has elapsed to half-open and
    /// hands out the single probe; a half-open circuit hands out a probe only when none is in
    /// flight (or the one in flight is presumed lost after `probeTimeout`).
    public mutating func requestPermission(at now: Date, configuration: Configuration) -> Permission {
        switch state {
        case .closed:
            return .send
        case .open:
            let ends = cooldownEnds(configuration: configuration) ?? now
            guard now >= ends else { return .wait(until: ends) }
            state = .halfOpen
            lastTransitionAt = now
            probeStartedAt = now
            return .sendProbe(halfOpened: true)
        case .halfOpen:
            if let started = probeStartedAt {
                let deadline = started.addingTimeInterval(configuration.probeTimeout)
                guard now >= deadline else { return .wait(until: deadline) }
            }
            probeStartedAt = now
            return .sendProbe(halfOpened: false)
        }
    }

    /// An attempt reached the destination and succeeded.
    public mutating func recordSuccess(of kind: AttemptKind, at now: Date) -> Action {
        switch (state, kind) {
        case (.closed, _):
            failureCount = 0
            return .none
        case (.halfOpen, .probe):
            close(at: now)
            return .closed
        case (.open, _), (.halfOpen, .regular):
            // A late result of an attempt started before the circuit opened: the spec lets only
            // the probe decide, so the state stays.
            return .none
        }
    }

    /// An attempt reached the destination (or tried to) and failed.
    public mutating func recordFailure(of kind: AttemptKind, at now: Date, configuration: Configuration) -> Action {
        failureCount += 1
        lastFailureAt = now
        switch (state, kind) {
        case (.closed, _):
            guard failureCount >= configuration.failureThreshold else { return .none }
            open(at: now)
            return .opened(cooldownEndsAt: now.addingTimeInterval(configuration.cooldown))
        case (.halfOpen, .probe):
            open(at: now)
            return .reopened(cooldownEndsAt: now.addingTimeInterval(configuration.cooldown))
        case (.open, _), (.halfOpen, .regular):
            return .none
        }
    }

    /// The owner's cooldown timer fired. Early or stale timers change nothing.
    public mutating func cooldownElapsed(at now: Date, configuration: Configuration) -> Action {
        guard state == .open, let ends = cooldownEnds(configuration: configuration), now >= ends else {
            return .none
        }
        state = .halfOpen
        lastTransitionAt = now
        probeStartedAt = nil
        return .halfOpened
    }

    /// The probe that was handed out will not report a destination result (its delivery was
    /// deleted, its transform failed, the process restarted): free the slot for another probe.
    public mutating func abandonProbe() -> Action {
        if state == .halfOpen { probeStartedAt = nil }
        return .none
    }

    /// `POST /v1/destinations/:id/circuit/reset`: close now and zero the failure count.
    public mutating func reset(at now: Date) -> Action {
        guard state != .closed else {
            failureCount = 0
            return .none
        }
        close(at: now)
        return .closed
    }

    private mutating func open(at now: Date) {
        state = .open
        openedAt = now
        probeStartedAt = nil
        lastTransitionAt = now
    }

    private mutating func close(at now: Date) {
        state = .closed
        failureCount = 0
        openedAt = nil
        probeStartedAt = nil
        lastTransitionAt = now
    }
}
