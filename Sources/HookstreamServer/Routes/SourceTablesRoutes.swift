import HookstreamCDC
import HookstreamCore
import Hummingbird
import JSONValue

/// `GET /v1/sources/:id/tables`: a database source's tables as the database has them now, each
/// with whether the source captures it and whether it can be captured (primary key or
/// replica identity, readable).
struct SourceTablesRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/sources/:id/tables", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        guard source.kind == .postgresql, let capture = try await deps.store.captureState(sourceID: id) else {
            throw APIError.badRequest("Only postgresql sources have tables")
        }
        let uri = try PostgresURI(parsing: try deps.secrets.open(capture.sealedConnectionURI))
        let tables: [CaptureSetup.DiscoveredTable]
        do {
            tables = try await CaptureSetup(uri: uri, logger: deps.logger).discoverTables(publication: capture.publicationName)
        } catch {
            throw APIError(.badGateway, "Could not read the database's tables: \(CaptureSetup.describe(error))")
        }
        return .json(["tables": .array(tables.map(Self.render))])
    }

    static func render(_ t: CaptureSetup.DiscoveredTable) -> JSON {
        [
            "name": .string(t.table.name.description), "schema": .string(t.table.name.schema), "table": .string(t.table.name.name),
            "captured": .bool(t.captured), "has_primary_key": .bool(t.table.hasPrimaryKey),
            "replica_identity": .string(Self.identity(t.table.replicaIdentity)), "readable": .bool(t.table.readable),
        ]
    }

    /// `pg_class.relreplident` in the words of `ALTER TABLE … REPLICA IDENTITY`.
    static func identity(_ code: Character) -> String {
        switch code {
        case "f": "full"
        case "i": "index"
        case "n": "nothing"
        default: "default"
        }
    }
}
