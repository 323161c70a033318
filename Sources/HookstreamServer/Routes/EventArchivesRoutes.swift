import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/events/archives`: the days retention moved out of the database, and restoring one.
/// Both are scoped to the caller's organization and environment.
struct EventArchivesRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/events/archives", use: list)
        router.post("/v1/events/archives/:date/restore", use: restore)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let days = try await deps.archiver.days(tenant: identity.tenant)
        return .json([
            "archives": .array(days.map { Self.render($0) }),
            "retention_days": deps.configuration.retentionDays > 0 ? .number(deps.configuration.retentionDays) : .null,
        ])
    }

    /// `POST /v1/events/archives/:date/restore`: re-imports the day's events as they were
    /// archived, without delivering anything. Events already present are skipped, so restoring
    /// twice changes nothing the second time.
    @Sendable func restore(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let text = try context.parameters.require("date")
        guard let day = ArchiveDay(parsing: text) else {
            throw APIError.badRequest("'date' must be a calendar date as YYYY-MM-DD, not '\(text)'")
        }
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let result: RestoreResult?
        do {
            result = try await deps.archiver.restore(tenant: identity.tenant, day: day, now: deps.configuration.clock.nowMillis)
        } catch is RestoreInProgress {
            throw APIError(.conflict, "The archive of \(day) is already being restored; try again when it finishes")
        } catch let error as ArchiveFileMissing {
            deps.logger.error("restore: \(error)")
            throw APIError(.internalServerError, "The archive file of \(day) is missing from the data directory")
        } catch let error as GzipError {
            deps.logger.error("restore: \(day): \(error)")
            throw APIError(.internalServerError, "The archive file of \(day) is damaged: \(error)")
        } catch let error as ArchiveFormatError {
            deps.logger.error("restore: \(day): \(error)")
            throw APIError(.internalServerError, "The archive file of \(day) is damaged: \(error)")
        }
        guard let result else { throw APIError.notFound("Archive of \(day)") }
        return .json([
            "date": .string(day.text), "archived_events": .number(Double(result.archivedEvents)),
            "restored": .number(Double(result.restored)), "already_present": .number(Double(result.archivedEvents - result.restored)),
        ])
    }

    static func render(_ day: ArchivedDaySummary) -> JSON {
        [
            "date": .string(day.day.text), "event_count": .number(Double(day.eventCount)),
            "first_archived_at": .string(Timestamp.iso(millis: day.firstArchivedAt)),
            "last_archived_at": .string(Timestamp.iso(millis: day.lastArchivedAt)),
            "last_restored_at": day.lastRestoredAt.map { .string(Timestamp.iso(millis: $0)) } ?? .null,
        ]
    }
}
