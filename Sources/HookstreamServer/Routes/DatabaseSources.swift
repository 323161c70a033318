import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamStore
import JSONValue
import PGOutput

/// What `/v1/sources` does differently for `type: "postgresql"` (change capture): create
/// validates the database and makes the publication and slot, update edits the publication's
/// tables and starts or stops capture, delete drops slot and publication, and responses carry
/// the masked `connection_uri`, `tables` and `stats`. See docs/cdc.md.
struct DatabaseSources {
    let deps: ServerDependencies

    /// The body members a database source takes (besides `name`, `slug`, `status`, `type`).
    static let fields = ["connection_uri", "tables", "snapshot"]
    /// Webhook-only settings, refused on a database source rather than silently ignored.
    static let webhookOnly = SourceSettings.fields.members.keys.filter { !["name", "slug", "status", "type"].contains($0) && !fields.contains($0) }.sorted()

    /// Validates the database, creates its publication and slot, and the source row with its
    /// capture state. Nothing is created when any step fails.
    func create(_ body: JSONBody, source: inout Source, save: (Source, CaptureState) async throws -> Void) async throws {
        try refuseWebhookSettings(body)
        let snapshot = try body.bool("snapshot") == true
        if body.has("status") {
            source.status = try body.oneOf("status", Source.Status.allCases.map(\.rawValue)).flatMap(Source.Status.init(rawValue:)) ?? .active
        }
        let uri = try connectionURI(body)
        let setup = CaptureSetup(uri: uri, logger: deps.logger)
        let tables = try await validatedTables(body, setup: setup)
        source.kind = .postgresql
        let name = CaptureState.replicationName(sourceID: source.id)
        do {
            try await setup.createReplication(name: name, tables: tables)
        } catch {
            throw APIError.badRequest("The publication and replication slot could not be created: \(CaptureSetup.describe(error))")
        }
        let capture = CaptureState(
            sourceID: source.id, sealedConnectionURI: try deps.secrets.seal(uri.text), tables: tables.map(\.name.description), slotName: name,
            publicationName: name, snapshot: snapshot ? CaptureSnapshot(of: tables.map(\.name.description)) : nil)
        do {
            try await save(source, capture)
        } catch {
            try? await setup.dropReplication(slot: name, publication: name)
            throw error
        }
        try await deps.capture.sync(sourceID: source.id)
    }

    /// Applies `tables` (altering the publication) and `status` (starting or stopping capture)
    /// once the source row is saved by `save`.
    func update(_ body: JSONBody, source: inout Source, save: (Source) async throws -> Void) async throws {
        try refuseWebhookSettings(body)
        if body.has("connection_uri") {
            throw APIError.badRequest("'connection_uri' cannot be changed: the replication slot lives in that database; create a new source instead")
        }
        if body.has("snapshot") { throw APIError.badRequest("'snapshot' applies only when a source is created") }
        guard let capture = try await deps.store.captureState(sourceID: source.id) else { throw APIError.notFound("Source") }
        if body.has("status") {
            source.status = try body.oneOf("status", Source.Status.allCases.map(\.rawValue)).flatMap(Source.Status.init(rawValue:)) ?? .active
        }
        if body.has("tables") {
            guard !body.isNull("tables") else { throw APIError.badRequest("'tables' must list at least one table") }
            let setup = CaptureSetup(uri: try uri(capture), logger: deps.logger)
            let tables = try await validatedTables(body, setup: setup)
            do {
                try await setup.setTables(publication: capture.publicationName, tables: tables)
            } catch {
                throw APIError.badRequest("The publication's tables could not be changed: \(CaptureSetup.describe(error))")
            }
            try await deps.store.updateCaptureTables(sourceID: source.id, tables: tables.map(\.name.description))
        }
        try await save(source)
        try await deps.capture.sync(sourceID: source.id)
    }

    /// A backfill: a new snapshot of the body's `tables` (every captured table when absent),
    /// which capture takes from a fresh view as it restarts (see `CaptureSnapshot.backfill`).
    /// A paused or unconnected source keeps it pending until capture runs. Returns the
    /// response's message.
    func backfill(_ body: JSONBody, source: Source) async throws -> String {
        guard let capture = try await deps.store.captureState(sourceID: source.id) else { throw APIError.notFound("Source") }
        let captured = capture.tables ?? []
        var tables = captured
        if let names = try body.stringList("tables") {
            tables = []
            for name in try names.map(Self.tableName).map(\.description) where !tables.contains(name) {
                guard captured.contains(name) else {
                    throw APIError.badRequest(
                        "'tables': \(name) is not captured by this source (it captures \(captured.joined(separator: ", "))); PATCH its tables first")
                }
                tables.append(name)
            }
            if tables.isEmpty { throw APIError.badRequest("'tables' must list at least one table") }
        }
        do {
            _ = try await deps.store.requestSnapshot(sourceID: source.id, tables: tables)
        } catch StoreError.notFound {
            throw APIError.notFound("Source")
        } catch StoreError.conflict(let message) {
            throw APIError(.conflict, message)
        }
        try await deps.capture.restart(sourceID: source.id)
        return switch deps.capture.activity(of: source) {
        case .running: "Backfill started"
        case .paused: "Backfill requested: it starts when the source is resumed"
        case .awaitingConnection: "Backfill requested: it starts when the source is connected to a destination"
        }
    }

    /// Stops capture and drops the slot and publication, so no slot is left retaining WAL.
    /// When the database cannot be reached the delete is refused (502) unless `force`, which
    /// deletes anyway and says which slot to drop by hand.
    func delete(_ source: Source, force: Bool) async throws {
        guard let capture = try await deps.store.captureState(sourceID: source.id) else { return }
        await deps.capture.stop(sourceID: source.id)
        do {
            try await CaptureSetup(uri: try uri(capture), logger: deps.logger).dropReplication(slot: capture.slotName, publication: capture.publicationName)
        } catch where !force {
            try? await deps.capture.sync(sourceID: source.id)
            throw APIError(
                .badGateway,
                "The replication slot \(capture.slotName) could not be dropped (\(CaptureSetup.describe(error))), so the source was kept: "
                    + "a slot left behind keeps the database's WAL forever. Fix the connection and delete again, or delete with ?force=true "
                    + "and run SELECT pg_drop_replication_slot('\(capture.slotName)'); DROP PUBLICATION \(capture.publicationName); yourself.")
        }
    }

    /// The members a database source adds to the source JSON. `measureLag` connects to the
    /// database to read the slot's lag (one source's GET); lists show the stored stats only.
    func decorate(_ o: inout JSONObject, _ source: Source, measureLag: Bool) async throws {
        guard let capture = try await deps.store.captureState(sourceID: source.id) else { return }
        let uri = try? uri(capture)
        o["connection_uri"] = uri.map { .string($0.masked) } ?? .null
        o["tables"] = capture.tables.map { .array($0.map(JSON.string)) } ?? .null
        o["url"] = .null
        var lag: Int64?
        var lastError = capture.lastError
        var missing: [String] = []
        if measureLag, let uri {
            do {
                let setup = CaptureSetup(uri: uri, logger: deps.logger)
                lag = try await setup.slotLagBytes(slot: capture.slotName)
                let published = Set(try await setup.publishedTables(publication: capture.publicationName).map(\.description))
                missing = (capture.tables ?? []).filter { !published.contains($0) }
                if lag == nil {
                    lastError = lastError ?? "The replication slot \(capture.slotName) no longer exists in the database"
                }
            } catch {
                lastError = lastError ?? CaptureSetup.describe(error)
            }
        }
        let counts = try await deps.store.captureDeliveryCounts(sourceID: source.id)
        var stats: JSONObject = [:]
        stats["changes_captured"] = .number(Double(capture.changesCaptured))
        stats["events_delivered"] = .number(Double(counts.delivered))
        stats["events_failed"] = .number(Double(counts.failed))
        stats["last_lsn"] = capture.confirmedLSN == 0 ? .null : .string(LSN(capture.confirmedLSN).description)
        stats["slot_lag_bytes"] = lag.map { .number(Double($0)) } ?? .null
        stats["last_error"] = lastError.map(JSON.string) ?? .null
        stats["last_error_at"] = .timestamp(capture.lastErrorAt)
        let limit = deps.configuration.cdcMaxLagBytes
        var warnings: [String] = []
        if let lag, let warning = CaptureState.lagWarning(bytes: lag, limit: limit, capture: deps.capture.activity(of: source)) {
            warnings.append(warning)
        }
        if !missing.isEmpty {
            warnings.append(
                "No longer captured, dropped from the database: \(missing.joined(separator: ", ")) "
                    + "(PATCH tables to capture a re-created table again)")
        }
        stats["warning"] = warnings.isEmpty ? .null : .string(warnings.joined(separator: ". "))
        stats["missing_tables"] = measureLag ? .array(missing.map(JSON.string)) : .null
        stats["snapshot"] = capture.snapshot.map(Self.snapshotStats) ?? .null
        o["stats"] = .object(stats)
    }

    /// A snapshot's progress as `stats.snapshot` shows it.
    static func snapshotStats(_ snapshot: CaptureSnapshot) -> JSON {
        let current = snapshot.status == .running ? snapshot.tables.first { !$0.done }?.name : nil
        return [
            "status": .string(snapshot.status.rawValue),
            "rows": .number(Double(snapshot.rows)),
            "tables_total": .number(Double(snapshot.tables.count)),
            "tables_done": .number(Double(snapshot.tables.filter(\.done).count)),
            "table": current.map(JSON.string) ?? .null,
            "started_at": .timestamp(snapshot.startedAt),
            "finished_at": .timestamp(snapshot.finishedAt),
        ]
    }

    private func refuseWebhookSettings(_ body: JSONBody) throws {
        if let key = Self.webhookOnly.first(where: body.has) {
            throw APIError.badRequest("'\(key)' applies to webhook sources, not to a postgresql source")
        }
    }

    private func connectionURI(_ body: JSONBody) throws -> PostgresURI {
        let text = try body.requiredString("connection_uri", maxLength: 2000)
        do {
            return try PostgresURI(parsing: text)
        } catch {
            throw APIError.badRequest(error.description)
        }
    }

    private func uri(_ capture: CaptureState) throws -> PostgresURI {
        try PostgresURI(parsing: try deps.secrets.open(capture.sealedConnectionURI))
    }

    /// One of the body's `tables`: `table` (in `public`) or `schema.table`.
    private static func tableName(_ name: String) throws -> CaptureRequirements.TableName {
        guard let parsed = CaptureRequirements.TableName(parsing: name) else {
            throw APIError.badRequest("'tables' has an invalid table name '\(name)' (use table or schema.table)")
        }
        return parsed
    }

    /// The body's `tables` resolved and checked against the database (every table when absent).
    private func validatedTables(_ body: JSONBody, setup: CaptureSetup) async throws -> [CaptureRequirements.Table] {
        let requested = try body.stringList("tables").map { try $0.map(Self.tableName) }
        if let requested, requested.isEmpty { throw APIError.badRequest("'tables' must list at least one table") }
        do {
            return try await setup.validate(requested: requested)
        } catch let problems as CaptureRequirements.Problems {
            throw APIError.badRequest(problems.description)
        } catch {
            throw APIError.badRequest("Could not check the database: \(CaptureSetup.describe(error))")
        }
    }
}
