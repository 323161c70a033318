import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/replay`: jobs that re-send a window of stored events to a destination at a bounded
/// rate. The spec has create and get; list and cancel are here because operators need them.
struct ReplayRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/replay", use: list)
        router.post("/v1/replay", use: create)
        router.get("/v1/replay/:id", use: get)
        router.post("/v1/replay/:id/cancel", use: cancel)
    }

    static let fields: BodyFields = ["destination_id", "source_id", "from", "to", "rate_limit", "max_events"]

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let now = deps.configuration.clock.nowMillis
        let from = try Self.time(body, "from")
        var to = try Self.time(body, "to")
        guard from <= to else { throw APIError.badRequest("'from' must not be after 'to'") }
        guard from <= now else { throw APIError.badRequest("'from' is in the future: the window holds no events yet") }
        // Events that arrive while the job runs are not part of it.
        to = min(to, now)
        let rateLimit = try Self.integer(body, "rate_limit", in: ReplayJob.rateLimits) ?? ReplayJob.defaultRateLimit
        let maxEvents = try Self.integer(body, "max_events", in: ReplayJob.maxEventsRange) ?? ReplayJob.defaultMaxEvents
        let destinationID = try body.requiredString("destination_id", maxLength: 80)
        guard try await deps.store.destination(id: destinationID, tenant: identity.tenant) != nil else {
            throw APIError(.notFound, "destination_id: Destination \(destinationID) not found")
        }
        let sourceID = try body.string("source_id", maxLength: 80)
        if let sourceID, try await deps.store.source(id: sourceID, tenant: identity.tenant) == nil {
            throw APIError(.notFound, "source_id: Source \(sourceID) not found")
        }
        let job = try await deps.store.createReplayJob(
            ReplayJob(
                id: ResourceID.make(.replay), tenant: identity.tenant, destinationID: destinationID, sourceID: sourceID, from: from, to: to,
                rateLimit: rateLimit, maxEvents: maxEvents, startedAt: now))
        deps.replays.start(job)
        return .json(["job": Self.render(job)], status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let paging = try Paging(request.uri.queryParameters, defaultLimit: 20)
        let page = try await deps.store.replayJobs(
            tenant: identity.tenant, now: deps.configuration.clock.nowMillis, beforeID: paging.afterID, limit: paging.limit)
        return .json(page.listBody("jobs", render: Self.render))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        return .json(["job": Self.render(try await existing(try context.parameters.require("id"), identity.tenant))])
    }

    /// Stops a running job where it is: what was sent stays counted; a finished job is a 409.
    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let job = try await existing(try context.parameters.require("id"), identity.tenant)
        guard job.status == .running else { throw APIError(.conflict, "The replay job is already \(job.status.rawValue)") }
        deps.replays.stop(jobID: job.id)
        return .json(["job": Self.render(try await deps.replays.finish(job, .cancelled))])
    }

    private func existing(_ id: String, _ tenant: Tenant) async throws -> ReplayJob {
        guard let job = try await deps.store.replayJob(id: id, tenant: tenant, now: deps.configuration.clock.nowMillis) else {
            throw APIError.notFound("Replay job")
        }
        return job
    }

    private static func time(_ body: JSONBody, _ key: String) throws -> Int64 {
        let text = try body.requiredString(key, maxLength: 100)
        guard let date = Timestamp.parse(text) else { throw APIError.badRequest("'\(key)' must be an ISO 8601 date-time") }
        return Timestamp.millis(date)
    }

    private static func integer(_ body: JSONBody, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let n = try body.number(key, in: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard n == n.rounded() else { throw APIError.badRequest("'\(key)' must be a whole number") }
        return Int(n)
    }

    static func render(_ job: ReplayJob) -> JSON {
        [
            "id": .string(job.id), "destination_id": .string(job.destinationID), "source_id": job.sourceID.map(JSON.string) ?? .null,
            "from": .string(Timestamp.iso(millis: job.from)), "to": .string(Timestamp.iso(millis: job.to)),
            "rate_limit": .number(Double(job.rateLimit)), "max_events": .number(Double(job.maxEvents)), "status": .string(job.status.rawValue),
            "total": .number(Double(job.total)), "processed": .number(Double(job.processed)), "succeeded": .number(Double(job.succeeded)),
            "failed": .number(Double(job.failed)), "started_at": .string(Timestamp.iso(millis: job.startedAt)),
            "completed_at": job.completedAt.map { .string(Timestamp.iso(millis: $0)) } ?? .null,
            "expires_at": job.expiresAt.map { .string(Timestamp.iso(millis: $0)) } ?? .null,
        ]
    }
}
