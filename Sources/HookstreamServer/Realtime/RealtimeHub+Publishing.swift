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
        publish("delivery", on: channels, tenant: tenant, subject: .attempt(attempt.id)) {
            // A failure's issue link is set by the store in the same transaction: read it back.
            if failed, let stored = try await store.deliveryAttempt(id: attempt.id, tenant: tenant) {
                return DeliveryAttemptsRoutes.render(stored, detail: true).serializedBytes()
            }
            return DeliveryAttemptsRoutes.render(StoredAttempt(attempt: attempt, destinationName: destination.name), detail: true).serializedBytes()
        }
        if result.issue != nil {
            publish("issue", on: [.issues], tenant: tenant, subject: .issueOfAttempt(attempt.id)) {
                try await Self.issue(ofAttempt: attempt.id, tenant: tenant, store: store)
            }
        }
        if result.circuitOpened != nil {
            publish("issue", on: [.issues], tenant: tenant, subject: .circuitIssue(destinationID: destination.id)) {
                try await Self.circuitIssue(destinationID: destination.id, tenant: tenant, store: store)
            }
        }
    }

    /// An issue was changed through the API or resolved by the auto-resolve job.
    func issueChanged(_ issue: StoredIssue) {
        publish("issue", on: [.issues], tenant: issue.issue.tenant, data: IssuesRoutes.render(issue), subject: .issue(issue.issue.id))
    }

    /// The issue an attempt's failure opened or updated (the store links it in the attempt's
    /// transaction).
    static func issue(ofAttempt attemptID: String, tenant: Tenant, store: any Store) async throws -> [UInt8]? {
        guard let issueID = try await store.deliveryAttempt(id: attemptID, tenant: tenant)?.attempt.issueID,
            let issue = try await store.issue(id: issueID, tenant: tenant)
        else { return nil }
        return IssuesRoutes.render(issue).serializedBytes()
    }

    /// The `circuit_open` issue of a destination whose circuit just opened.
    static func circuitIssue(destinationID: String, tenant: Tenant, store: any Store) async throws -> [UInt8]? {
        let query = IssueQuery(status: nil, destinationID: destinationID, errorType: IssueType.circuitOpen.rawValue, limit: 1)
        guard let issue = try await store.issues(tenant: tenant, query: query).items.first else { return nil }
        return IssuesRoutes.render(issue).serializedBytes()
    }
}
