import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `POST/GET /v1/collections/:id/backfill`: re-build a collection from its source's stored
/// events, and watch it (see `CollectionBackfill`, run by `CollectionBackfiller`).
extension CollectionsRoutes {
    /// 202: the backfill is accepted and runs in the background; one already running is a 409.
    @Sendable func startBackfill(_ request: Request, context: AppRequestContext) async throws -> Response {
        let collection = try await owned(context)
        let backfill: CollectionBackfill
        do {
            backfill = try await deps.store.startCollectionBackfill(
                collectionID: collection.id, tenant: collection.tenant, at: deps.configuration.clock.nowMillis)
        } catch StoreError.notFound {
            throw APIError.notFound("Collection")
        } catch StoreError.conflict(let message) {
            throw APIError(.conflict, message)
        }
        deps.backfiller.enqueue(backfill)
        var body = Self.render(backfill)
        body["message"] = "Backfill started"
        return .json(.object(body), status: .accepted)
    }

    /// The latest backfill, or `status: "none"` when none was ever started.
    @Sendable func backfill(_ request: Request, context: AppRequestContext) async throws -> Response {
        let collection = try await owned(context)
        guard let backfill = try await deps.store.latestCollectionBackfill(collectionID: collection.id, tenant: collection.tenant) else {
            return .json([
                "id": .null, "status": "none", "progress": 0, "total": 0, "started_at": .null, "completed_at": .null, "error": .null,
            ])
        }
        return .json(.object(Self.render(backfill)))
    }

    static func render(_ b: CollectionBackfill) -> JSONObject {
        [
            "id": .string(b.id), "status": .string(b.status.rawValue), "progress": .number(Double(b.progress)), "total": .number(Double(b.total)),
            "started_at": .string(Timestamp.iso(millis: b.startedAt)), "completed_at": .timestamp(b.completedAt),
            "error": b.error.map(JSON.string) ?? .null,
        ]
    }
}
