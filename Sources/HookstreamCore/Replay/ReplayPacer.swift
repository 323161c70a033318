/// When a replay job may send its next event: at most `rateLimit` per second, spread evenly
/// (one every `1000 / rateLimit` ms) rather than in bursts at the top of each second, so a
/// destination sees the rate it was promised over any stretch of time.
///
/// A value type with no clock of its own: the runner asks ``next(now:remaining:)`` and does
/// what the action says, so the policy is table-tested without waiting.
public struct ReplayPacer: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Send one event now.
        case send
        /// Nothing may be sent before this time (Unix milliseconds).
        case wait(until: Int64)
        /// Nothing is left to send.
        case finish
    }

    /// Milliseconds between two sends.
    public let interval: Double
    /// When the next send is due; `nil` before the first (which goes at once).
    public private(set) var nextDue: Double?

    public init(rateLimit: Int) {
        interval = 1000 / Double(max(1, rateLimit))
    }

    /// - Parameter remaining: events the job has still to send.
    public mutating func next(now: Int64, remaining: Int) -> Action {
        guard remaining > 0 else { return .finish }
        let current = Double(now)
        guard let due = nextDue else {
            nextDue = current + interval
            return .send
        }
        guard current >= due else { return .wait(until: Int64(due.rounded(.up))) }
        // A little late (scheduling jitter): keep the cadence, or the rate would sag by the
        // jitter of every send. Later than a whole slot (a slow send, a restart): count the
        // next slot from now, so lost time is never made up with a burst.
        nextDue = (current - due < interval ? due : current) + interval
        return .send
    }
}
