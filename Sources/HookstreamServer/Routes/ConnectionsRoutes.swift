import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue
import JSONata

/// `/v1/connections`: routes from a source to a destination, with filters and a transform.
/// Filter rules and the JSONata expression are validated (compiled) when saved, so a broken
/// connection is refused up front instead of failing every delivery later.
struct ConnectionsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/connections", use: list)
        router.post("/v1/connections", use: create)
        router.get("/v1/connections/:id", use: get)
        router.patch("/v1/connections/:id", use: update)
        router.delete("/v1/connections/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 20)
        let page = try await deps.store.connections(
            tenant: identity.tenant, sourceID: try QueryValue.id(q, "source_id"), destinationID: try QueryValue.id(q, "destination_id"),
            beforeID: paging.afterID, limit: paging.limit)
        return .json(page.listBody("connections", render: Self.render))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let now = Timestamp.millis(Date())
        var connection = Connection(
            id: ResourceID.make(.connection), tenant: identity.tenant, name: try body.string("name", maxLength: 200),
            sourceID: try body.requiredString("source_id", maxLength: 80), destinationID: try body.requiredString("destination_id", maxLength: 80),
            createdAt: now, updatedAt: now)
        try apply(body, to: &connection)
        try await checkEnds(connection)
        try await deps.store.createConnection(connection)
        try await deps.routesChanged(sourceID: connection.sourceID)
        return .json(try await rendered(connection.id, identity.tenant), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        return .json(try await rendered(try context.parameters.require("id"), identity.tenant))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        guard var connection = try await deps.store.connection(id: id, tenant: identity.tenant)?.connection else {
            throw APIError.notFound("Connection")
        }
        let previousSource = connection.sourceID
        if body.has("name") { connection.name = try body.string("name", maxLength: 200) }
        if body.has("source_id") { connection.sourceID = try body.requiredString("source_id", maxLength: 80) }
        if body.has("destination_id") { connection.destinationID = try body.requiredString("destination_id", maxLength: 80) }
        try apply(body, to: &connection)
        try await checkEnds(connection)
        connection.updatedAt = Timestamp.millis(Date())
        try await deps.store.updateConnection(connection)
        if previousSource != connection.sourceID { try await deps.routesChanged(sourceID: previousSource) }
        try await deps.routesChanged(sourceID: connection.sourceID)
        return .json(try await rendered(id, identity.tenant))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let existing = try await deps.store.connection(id: id, tenant: identity.tenant)?.connection else {
            throw APIError.notFound("Connection")
        }
        do {
            try await deps.store.deleteConnection(id: id, tenant: identity.tenant, at: Timestamp.millis(Date()))
        } catch StoreError.notFound {
            throw APIError.notFound("Connection")
        }
        try await deps.routesChanged(sourceID: existing.sourceID)
        return .json(["success": true])
    }

    /// What a create or update body may hold. A filter rule names its operator `op` or
    /// `operator` (both spellings are documented).
    static let fields: BodyFields = [
        "name", "source_id", "destination_id", .nested("filter_rules", ["field", "op", "operator", "value"]), "transform_expression",
        "transform_enabled",
    ]

    private func apply(_ body: JSONBody, to c: inout Connection) throws {
        if let rules = try Self.filterRules(body) { c.filterRules = rules }
        if let expression = try Self.transformExpression(body) { c.transformExpression = expression }
        if let enabled = try body.bool("transform_enabled") { c.transformEnabled = enabled }
        if c.transformEnabled, c.transformExpression == nil {
            throw APIError.badRequest("'transform_expression' is required when transform_enabled is true")
        }
    }

    /// The filter rules a body sets (`nil`: it does not set them), validated. Shared with
    /// topic subscriptions, which take the same rules.
    static func filterRules(_ body: JSONBody) throws -> FilterRuleSet? {
        guard body.has("filter_rules") else { return nil }
        do {
            return try FilterRuleSet(json: body.members["filter_rules"])
        } catch {
            throw APIError.badRequest("Invalid filter rules: \(error.description)")
        }
    }

    /// The transform a body sets (`nil`: it does not; `.some(nil)`: it clears it), compiled so
    /// a broken expression is refused with its JSONata code and position. Shared with topic
    /// subscriptions.
    static func transformExpression(_ body: JSONBody) throws -> String?? {
        guard body.has("transform_expression") else { return nil }
        let expression = try body.string("transform_expression", maxLength: 100_000)
        if let expression { try TransformsRoutes.compile(expression) }
        return .some(expression)
    }

    /// Both ends must exist in the caller's environment; another tenant's ID is "not found".
    private func checkEnds(_ c: Connection) async throws {
        guard try await deps.store.source(id: c.sourceID, tenant: c.tenant) != nil else {
            throw APIError.badRequest("Source \(c.sourceID) not found")
        }
        guard try await deps.store.destination(id: c.destinationID, tenant: c.tenant) != nil else {
            throw APIError.badRequest("Destination \(c.destinationID) not found")
        }
    }

    private func rendered(_ id: String, _ tenant: Tenant) async throws -> JSON {
        guard let stored = try await deps.store.connection(id: id, tenant: tenant) else { throw APIError.notFound("Connection") }
        return Self.render(stored)
    }

    static func render(_ stored: StoredConnection) -> JSON {
        let c = stored.connection
        return [
            "id": .string(c.id), "name": c.name.map(JSON.string) ?? .null, "source_id": .string(c.sourceID),
            "destination_id": .string(c.destinationID), "source_name": stored.sourceName.map(JSON.string) ?? .null,
            "destination_name": stored.destinationName.map(JSON.string) ?? .null, "filter_rules": c.filterRules.json,
            "transform_expression": c.transformExpression.map(JSON.string) ?? .null, "transform_enabled": .bool(c.transformEnabled),
            "created_at": .string(Timestamp.iso(millis: c.createdAt)), "updated_at": .string(Timestamp.iso(millis: c.updatedAt)),
        ]
    }
}
