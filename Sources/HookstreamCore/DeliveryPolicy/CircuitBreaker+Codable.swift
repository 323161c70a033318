import Foundation

/// The persisted form: `state` (`closed`/`open`/`half_open`), `failure_count`, and the
/// timestamps `last_failure_at`, `opened_at`, `probe_started_at`, `last_transition_at`
/// (absent when `nil`; encoded with the encoder's date strategy). Decoding repairs
/// inconsistent combinations the way the restoring initialiser does.
extension CircuitBreaker: Codable {
    private enum CodingKeys: String, CodingKey {
        case state
        case failureCount = "failure_count"
        case lastFailureAt = "last_failure_at"
        case openedAt = "opened_at"
        case probeStartedAt = "probe_started_at"
        case lastTransitionAt = "last_transition_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            state: try container.decode(State.self, forKey: .state),
            failureCount: try container.decodeIfPresent(Int.self, forKey: .failureCount) ?? 0,
            lastFailureAt: try container.decodeIfPresent(Date.self, forKey: .lastFailureAt),
            openedAt: try container.decodeIfPresent(Date.self, forKey: .openedAt),
            probeStartedAt: try container.decodeIfPresent(Date.self, forKey: .probeStartedAt),
            lastTransitionAt: try container.decodeIfPresent(Date.self, forKey: .lastTransitionAt)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encode(failureCount, forKey: .failureCount)
        try container.encodeIfPresent(lastFailureAt, forKey: .lastFailureAt)
        try container.encodeIfPresent(openedAt, forKey: .openedAt)
        try container.encodeIfPresent(probeStartedAt, forKey: .probeStartedAt)
        try container.encodeIfPresent(lastTransitionAt, forKey: .lastTransitionAt)
    }
}
