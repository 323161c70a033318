/// When a client that lost its connection tries again: exponential from `initial`, capped at
/// `maximum`, back to `initial` once a connection has held for `stableAfter` seconds (so a
/// server restart is caught quickly, and a server that keeps dropping the client is not
/// hammered).
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Double
    public var maximum: Double
    public var stableAfter: Double
    /// Failed attempts since the last stable connection.
    public private(set) var failures = 0

    public init(initial: Double = 0.5, maximum: Double = 10, stableAfter: Double = 30) {
        self.initial = initial
        self.maximum = maximum
        self.stableAfter = stableAfter
    }

    /// The connection ended (or never came up) after `connectedFor` seconds: how long to wait.
    public mutating func delay(afterConnectionLasted connectedFor: Double) -> Double {
        if connectedFor >= stableAfter { failures = 0 }
        let delay = min(maximum, initial * Double(1 << min(failures, 20)))
        failures += 1
        return delay
    }
}
