import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/delivery-attempts`: the attempt log, and retrying one attempt.
struct DeliveryAttemptsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/delivery-attempts", use: list)
        router.get("/v1/delivery-attempts/:id", use: get)
        router.post("/v1/delivery-attempts/:id/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try OffsetPaging(q)
        var isDLQ: Bool?
        if let flag = try QueryValue.oneOf(q, "is_dlq", ["1", "0", "true", "false"]) { isDLQ = flag == "1" || flag == "true" }
        let query = AttemptQuery(
            eventID: try QueryValue.id(q, "event_id"), connectionID: try QueryValue.id(q, "connection_id"),
            destinationID: try QueryValue.id(q, "destination_id"),
            status: try QueryValue.oneOf(q, "status", DeliveryAttempt.Status.allCases.map(\.rawValue)).flatMap(DeliveryAttempt.Status.init),
            isDLQ: isDLQ, limit: paging.limit, offset: paging.offset)
        let page = try await deps.store.deliveryAttempts(tenant: identity.tenant, query: query)
        return .json(page.listBody("delivery_attempts") { Self.render($0) })
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        guard let stored = try await deps.store.deliveryAttempt(id: try context.parameters.require("id"), tenant: identity.tenant) else {
            throw APIError.notFound("Delivery attempt")
        }
        return .json(Self.render(stored, detail: true))
    }

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let queued: DeliveryAttempt
        do {
            queued = try await deps.store.retryAttempt(id: id, tenant: identity.tenant, now: Timestamp.millis(Date()))
        } catch StoreError.notFound {
            throw APIError.notFound("Delivery attempt")
        } catch StoreError.conflict(let message) {
            throw APIError(.conflict, message)
        }
        deps.delivery.wake(destinationID: queued.destinationID)
        let name = try await deps.store.deliveryAttempt(id: queued.id, tenant: identity.tenant)?.destinationName
        return .json(["delivery_attempt": Self.render(StoredAttempt(attempt: queued, destinationName: name))])
    }

    static func render(_ stored: StoredAttempt, detail: Bool = false) -> JSON {
        let a = stored.attempt
        func number(_ n: Int?) -> JSON { n.map { .number(Double($0)) } ?? .null }
        var o: JSONObject = [
            "id": .string(a.id), "event_id": .string(a.eventID), "connection_id": a.connectionID.map(JSON.string) ?? .null,
            "destination_id": .string(a.destinationID), "destination_name": stored.destinationName.map(JSON.string) ?? .null,
            "status": .string(a.status.rawValue), "status_code": number(a.statusCode), "attempt_number": .number(Double(a.attemptNumber)),
            "is_dlq": .number(a.isDLQ ? 1 : 0), "dlq_at": JSON.timestamp(a.dlqAt), "latency_ms": number(a.latencyMs),
            "error": a.error.map(JSON.string) ?? .null, "error_type": a.errorType.map(JSON.string) ?? .null,
            "next_retry_at": JSON.timestamp(a.nextRetryAt), "scheduled_at": JSON.timestamp(a.scheduledAt), "attempted_at": JSON.timestamp(a.attemptedAt),
            "created_at": JSON.timestamp(a.createdAt),
        ]
        if detail {
            o["request_headers"] = a.requestHeaders.map(JSON.object) ?? .null
            o["response_headers"] = a.responseHeaders.map(JSON.object) ?? .null
            o["response_body"] = a.responseBody.map(JSON.string) ?? .null
            o["issue_id"] = a.issueID.map(JSON.string) ?? .null
        }
        return .object(o)
    }
}
