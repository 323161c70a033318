import Foundation
public import JSONValue

extension CircuitBreaker {
    /// The body of `GET /v1/destinations/:id/circuit` (and of the reset response):
    /// `destination_id`, `state`, `failure_count`, `last_failure_at`, `opened_at` as the API
    /// reference shows, plus `last_transition_at`, the "last transition timestamp" the circuit
    /// breaker guide promises. Timestamps are written by ``Timestamp/iso(_:)`` like every other
    /// API timestamp (ISO 8601 UTC, milliseconds, `Z`), or `null`.
    ///
    /// ```swift
    /// breaker.statusJSON(destinationID: "dst_…")
    /// // {"destination_id": "dst_…", "state": "open", "failure_count": 5,
    /// //  "last_failure_at": "2026-03-01T12:00:00.000Z", …}
    /// ```
    public func statusJSON(destinationID: String) -> JSON {
        func timestamp(_ date: Date?) -> JSON {
            date.map { .string(Timestamp.iso($0)) } ?? .null
        }
        return [
            "destination_id": .string(destinationID),
            "state": .string(state.rawValue),
            "failure_count": .number(Double(failureCount)),
            "last_failure_at": timestamp(lastFailureAt),
            "opened_at": timestamp(openedAt),
            "last_transition_at": timestamp(lastTransitionAt),
        ]
    }
}
