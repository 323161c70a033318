import HookstreamCore
import HookstreamStore
import JSONValue

/// What the server publishes, each after its commit. The renders run on the hub's loop, and
/// only when someone follows, so store reads made there never touch a hot path.
extension RealtimeHub {
    /// A delivery attempt's result is committed: the attempt on `deliveries` and
    /// `deliveries:<destination>` (as `GET /v1/delivery-attempts/:id` shows it), and the issue
    /// it opened or updated on `issues`.
    func attemptRecorded(_ result: AttemptResult, destination: Destination, store: any Store) {
        let attempt = result.attempt
        let tenant = attempt.tenant
        var channels: [RealtimeChannel] = [.deliveries]
        // A websocket destination's own channel carries its broadcasts (the delivered payload),
        // not the attempt log.
        if destination.type != WebSocketProvider.type { channels.append(.destinationDeliveries(destination.id)) }
        let failed = attempt.status != .success
        publish("delivery", on: channels, tenant: tenant) {
            // A failure's issue link is set by the store in the same transaction: read it back.
            if failed, let stored = try await store.deliveryAttempt(id: attempt.id, tenant: tenant) {
                return DeliveryAttemptsRoutes.render(stored, detail: true).serializedBytes()
            }
            return DeliveryAttemptsRoutes.render(StoredAttempt(attempt: attempt, destinationName: destination.name), detail: true).serializedBytes()
        }
        if result.issue != nil {
            publish("issue", on: [.issues], tenant: tenant) {
                guard let issueID = try await store.deliveryAttempt(id: attempt.id, tenant: tenant)?.attempt.issueID,
                    let issue = try await store.issue(id: issueID, tenant: tenant)
                else { return nil }
                return IssuesRoutes.render(issue).serializedBytes()
            }
        }
        if result.circuitOpened != nil {
            publish("issue", on: [.issues], tenant: tenant) {
                let query = IssueQuery(status: nil, destinationID: destination.id, errorType: IssueType.circuitOpen.rawValue, limit: 1)
                guard let issue = try await store.issues(tenant: tenant, query: query).items.first else { return nil }
                return IssuesRoutes.render(issue).serializedBytes()
            }
        }
    }

    /// An issue was changed through the API or resolved by the auto-resolve job.
    func issueChanged(_ issue: StoredIssue) {
        publish("issue", on: [.issues], tenant: issue.issue.tenant, data: IssuesRoutes.render(issue))
    }
}
