import Foundation
public import HookstreamCore
import HookstreamStore

extension DeliveryEngine {
    /// Sends a stored event to a destination once, as stored (no connection, so no transform),
    /// signed and with the destination's headers like any delivery, and returns the attempt as
    /// made. Replay uses it: no retry is scheduled, nothing is dead-lettered, and neither the
    /// destination's circuit nor its issues hear about it (a replay is an operator's action
    /// with its own counters). Nothing is written; the caller records the attempt.
    /// - Throws: when the event's body or the destination's sealed settings cannot be read.
    public func deliverOnce(_ event: Event, to destination: Destination) async throws -> DeliveryAttempt {
        let runtime = try DestinationRuntime(destination, secrets: secrets, schema: schemas[destination.type])
        let now = clock.now
        let attempt = DeliveryAttempt(
            id: ResourceID.make(.deliveryAttempt), tenant: event.tenant, eventID: event.id, connectionID: nil, destinationID: destination.id,
            scheduledAt: Timestamp.millis(now), createdAt: Timestamp.millis(now))
        let result: ProviderResult
        switch try await prepare(ClaimedAttempt(attempt: attempt, event: event, transformExpression: nil), now: now) {
        case .message(let message):
            if let provider = providers[destination.type] {
                result = await provider.send(message, to: runtime)
            } else {
                result = ProviderResult(outcome: .transportError(.other), error: "No provider for destination type \(destination.type)")
            }
        case .transformFailed(let reason):
            result = ProviderResult(outcome: .transformError, error: reason)
        }
        return Self.made(attempt, result: result, started: now, finished: clock.now)
    }
}
