import Foundation
import HookstreamCore
import HookstreamDelivery
import Hummingbird
import JSONValue

/// `POST /v1/tools/schedule` and `GET /v1/tools/schedule/:id`: a webhook sent once, later.
/// The schedule is stored (headers and body sealed) before the 201 and fired by the
/// ``ToolScheduler`` — durable across restarts, never fired twice. Anyone holding the
/// random ID can read the outcome; the headers and body are never shown again.
struct ToolsScheduleRoutes {
    let tools: ToolsRoutes

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/tools/schedule", use: create)
        router.get("/v1/tools/schedule/:id", use: get)
    }

    static let fields: BodyFields = ["url", "delay_seconds", "method", "headers", "body"]

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        try tools.requireEnabled()
        let deps = tools.deps
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        guard let delay = try body.number("delay_seconds", in: ToolSchedule.delayRange) else {
            throw APIError.badRequest("'delay_seconds' is required: a number of seconds from 1 to 86400")
        }
        let outgoing = try ToolsRoutes.toolRequest(body)
        try await tools.checkTarget(outgoing)
        let now = deps.configuration.clock.nowMillis
        let schedule = ToolSchedule(
            id: UUID().uuidString.lowercased(), url: outgoing.url, method: outgoing.method,
            sealedRequest: try ToolScheduler.seal(outgoing, secrets: deps.secrets), firesAt: now + Int64((delay * 1000).rounded()), createdAt: now,
            client: tools.client(request, context))
        guard try await deps.store.createToolSchedule(schedule, maxPending: ToolSchedule.maxPendingPerClient) else {
            throw APIError(.tooManyRequests, "At most \(ToolSchedule.maxPendingPerClient) scheduled webhooks may be pending per client; wait for some to fire")
        }
        return .json(
            ["schedule_id": .string(schedule.id), "fires_at": JSON.timestamp(schedule.firesAt), "status": .string(schedule.status.rawValue)],
            status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        try tools.requireEnabled()
        let id = try context.parameters.require("id")
        guard id.count <= 64, let schedule = try await tools.deps.store.toolSchedule(id: id.lowercased()) else {
            throw APIError.notFound("Scheduled webhook")
        }
        return .json([
            "schedule_id": .string(schedule.id), "url": .string(schedule.url), "method": .string(schedule.method),
            "fires_at": JSON.timestamp(schedule.firesAt), "status": .string(schedule.status.rawValue),
            "response_status": schedule.responseStatus.map { .number(Double($0)) } ?? .null, "completed_at": JSON.timestamp(schedule.completedAt),
            "error": schedule.error.map(JSON.string) ?? .null, "created_at": JSON.timestamp(schedule.createdAt),
        ])
    }
}
