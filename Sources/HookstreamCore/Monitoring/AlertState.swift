/// A rule's evaluation state, kept in the database beside the rule so whichever node runs the
/// next evaluation continues from it.
public struct AlertState: Sendable, Equatable {
    /// Between a trigger and its auto-resolve.
    public var triggered: Bool
    /// The last trigger notification (the cooldown counts from it).
    public var lastTriggeredAt: Int64?
    /// The last evaluation that found the condition holding (auto-resolve counts from it).
    public var lastConditionAt: Int64?

    public init(triggered: Bool = false, lastTriggeredAt: Int64? = nil, lastConditionAt: Int64? = nil) {
        self.triggered = triggered
        self.lastTriggeredAt = lastTriggeredAt
        self.lastConditionAt = lastConditionAt
    }

    public enum Action: Sendable, Equatable {
        /// Notify the channels and add a history row.
        case trigger
        /// Notify the channels that the condition has cleared and close the history rows.
        case resolve
    }

    /// One evaluation: the condition's verdict at `now` moves the state and says what to do.
    ///
    /// - A rule notifies at most once per cooldown: when the condition first holds, and again
    ///   each time a full cooldown has passed with it still holding. A condition that returns
    ///   within the cooldown after a resolve stays quiet until the cooldown is over (and so
    ///   every resolve notification follows a trigger notification).
    /// - A triggered rule resolves once the condition has been clear for `autoResolve`
    ///   milliseconds, counted from the last evaluation that found it holding.
    public mutating func step(holds: Bool, now: Int64, cooldown: Int64, autoResolve: Int64) -> Action? {
        if holds {
            lastConditionAt = now
            if let last = lastTriggeredAt, now - last < cooldown { return nil }
            triggered = true
            lastTriggeredAt = now
            return .trigger
        }
        guard triggered, now - (lastConditionAt ?? lastTriggeredAt ?? now) >= autoResolve else { return nil }
        triggered = false
        return .resolve
    }
}
