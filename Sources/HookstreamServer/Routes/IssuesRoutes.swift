import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/issues`: delivery failures grouped per destination and error type.
struct IssuesRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/issues", use: list)
        router.get("/v1/issues/summary", use: summary)
        router.get("/v1/issues/:id", use: get)
        router.patch("/v1/issues/:id", use: update)
        router.post("/v1/issues/:id/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try OffsetPaging(q)
        let status = try QueryValue.oneOf(q, "status", Issue.Status.allCases.map(\.rawValue) + ["all"]) ?? "open"
        let query = IssueQuery(
            status: Issue.Status(rawValue: status), destinationID: try QueryValue.id(q, "destination_id"),
            errorType: try QueryValue.oneOf(q, "error_type", IssueType.allCases.map(\.rawValue)), limit: paging.limit, offset: paging.offset)
        let page = try await deps.store.issues(tenant: identity.tenant, query: query)
        return .json(page.listBody("issues", render: Self.render))
    }

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> Response {
        let counts = try await deps.store.issueCounts(tenant: try context.caller.tenant)
        var o = JSONObject()
        for status in Issue.Status.allCases { o[status.rawValue] = .number(Double(counts[status] ?? 0)) }
        return .json(.object(o))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        guard let stored = try await deps.store.issue(id: try context.parameters.require("id"), tenant: identity.tenant) else {
            throw APIError.notFound("Issue")
        }
        return .json(Self.render(stored))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["status", "snoozed_until"])
        var status: Issue.Status?
        if body.has("status") {
            let text = try body.requiredString("status", maxLength: 40)
            guard let parsed = Issue.Status(rawValue: text) else {
                throw APIError.badRequest("'status' must be one of: \(Issue.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        var snooze: Int64??
        if body.has("snoozed_until") {
            if let text = try body.string("snoozed_until", maxLength: 64) {
                guard let date = Timestamp.parse(text) else { throw APIError.badRequest("'snoozed_until' must be an ISO 8601 date-time or null") }
                snooze = .some(Timestamp.millis(date))
            } else {
                snooze = .some(nil)
            }
        }
        do {
            let updated = try await deps.store.updateIssue(id: id, tenant: identity.tenant, status: status, snoozedUntil: snooze, now: Timestamp.millis(Date()))
            deps.realtime.issueChanged(updated)
            return .json(Self.render(updated))
        } catch StoreError.notFound {
            throw APIError.notFound("Issue")
        }
    }

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        guard let stored = try await deps.store.issue(id: id, tenant: identity.tenant) else { throw APIError.notFound("Issue") }
        let (retried, total) = try await deps.store.retryIssue(id: id, tenant: identity.tenant, now: Timestamp.millis(Date()))
        if retried > 0 { deps.delivery.wake(destinationID: stored.issue.destinationID) }
        return .json(["retried": .number(Double(retried)), "total": .number(Double(total))])
    }

    /// The issue as the API shows it; a single issue's detail adds `affected` (the destination,
    /// and the sources and connections of its recent failures) and `timeline`.
    static func render(_ stored: StoredIssue) -> JSON {
        let i = stored.issue
        var body: JSONObject = [
            "id": .string(i.id), "destination_id": i.destinationID.isEmpty ? .null : .string(i.destinationID),
            "destination_name": stored.destinationName.map(JSON.string) ?? .null, "source_id": i.sourceID.map(JSON.string) ?? .null,
            "error_type": .string(i.errorType.rawValue), "severity": .string(IssueSeverity(i.errorType).rawValue), "message": .string(i.message),
            "status": .string(i.status.rawValue), "occurrence_count": .number(Double(i.occurrenceCount)), "first_seen_at": JSON.timestamp(i.firstSeenAt),
            "last_seen_at": JSON.timestamp(i.lastSeenAt), "recent_attempt_ids": .array(i.recentAttemptIDs.map(JSON.string)),
            "snoozed_until": JSON.timestamp(i.snoozedUntil), "resolved_at": JSON.timestamp(i.resolvedAt), "created_at": JSON.timestamp(i.createdAt),
            "updated_at": JSON.timestamp(i.updatedAt),
        ]
        if let detail = stored.detail {
            body["affected"] = [
                "destination_ids": i.destinationID.isEmpty ? [] : [.string(i.destinationID)],
                // A published event keeps its topic's ID where a source's would be; the API
                // never shows a topic as a source (an event says `source_id: null` too), and
                // its subscription is among `connection_ids`.
                "source_ids": .array((i.sourceID.map { [$0] } ?? detail.sourceIDs.filter { !ResourceID.isWellFormed($0, .topic) }).map(JSON.string)),
                "connection_ids": .array(detail.connectionIDs.map(JSON.string)),
            ]
            body["timeline"] = .array(
                detail.timeline.map { entry in
                    ["at": JSON.timestamp(entry.at), "type": .string(entry.kind.rawValue), "message": entry.message.map(JSON.string) ?? .null]
                })
        }
        return .object(body)
    }
}
