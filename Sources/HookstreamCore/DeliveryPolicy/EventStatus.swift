/// An event's status from its delivery attempts (events page: received → processing →
/// delivered | failed).
///
/// Attempts are grouped by connection and destination; only the newest attempt of each group
/// counts, so a chain that failed and was later retried successfully counts as delivered.
/// Any group still pending → `processing`; otherwise any group whose newest attempt failed →
/// `failed`; otherwise `delivered`. An event with no attempts was routed nowhere: `received`.
public enum EventStatus {
    public struct AttemptFact: Sendable {
        public var connectionID: String?
        public var destinationID: String
        public var status: DeliveryAttempt.Status

        public init(connectionID: String?, destinationID: String, status: DeliveryAttempt.Status) {
            self.connectionID = connectionID
            self.destinationID = destinationID
            self.status = status
        }
    }

    /// - Parameter attempts: the event's attempts, oldest first.
    public static func derive(_ attempts: [AttemptFact]) -> Event.Status {
        guard !attempts.isEmpty else { return .received }
        var newest: [String: DeliveryAttempt.Status] = [:]
        for attempt in attempts { newest[(attempt.connectionID ?? "") + "|" + attempt.destinationID] = attempt.status }
        if newest.values.contains(.pending) { return .processing }
        if newest.values.contains(.failed) { return .failed }
        return .delivered
    }
}
