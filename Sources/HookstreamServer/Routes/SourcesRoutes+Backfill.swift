import HookstreamCore
import Hummingbird
import JSONValue

/// `POST /v1/sources/:id/backfill`: a database source's existing rows emitted again, as
/// snapshot `INSERT` events, while its stream goes on (see `DatabaseSources.backfill`).
extension SourcesRoutes {
    /// 202 with the source, whose `stats.snapshot` follows the backfill (`pending` until capture
    /// takes its view); one pending or running already is a 409.
    @Sendable func backfill(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["tables"], allowEmpty: true)
        guard let source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        guard source.kind == .postgresql else {
            throw APIError.badRequest(
                "Only postgresql sources can be backfilled: a webhook source has no table to read (its stored events can be replayed with POST /v1/replay)")
        }
        let message = try await DatabaseSources(deps: deps).backfill(body, source: source)
        var rendered = try await render(source, measureLag: false).objectValue ?? [:]
        rendered["message"] = .string(message)
        return .json(.object(rendered), status: .accepted)
    }
}
