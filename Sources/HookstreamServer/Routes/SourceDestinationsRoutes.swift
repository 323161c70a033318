import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// streamhook's `/v1/sources/:id/destinations`: a shortcut that makes an ordinary HTTP
/// destination (its `dst_` ID is `:did`, visible and editable under `/v1/destinations`) and
/// the connection from the source to it, delivering the streamhook way (`signing_config`
/// algorithm `streamhook`: `X-StreamHook-*` headers, `User-Agent: StreamHook/1.0`). The list
/// shows every destination connected to the source.
struct SourceDestinationsRoutes {
    let deps: ServerDependencies

    static let fields: BodyFields = ["url", "secret", "headers", "name"]

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/sources/:id/destinations", use: create)
        router.get("/v1/sources/:id/destinations", use: list)
        router.patch("/v1/sources/:id/destinations/:did", use: update)
        router.delete("/v1/sources/:id/destinations/:did", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let source = try await source(context)
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        _ = try body.requiredString("url", maxLength: 2000)
        let now = deps.configuration.clock.nowMillis
        let name = try body.string("name", maxLength: 200) ?? "\(source.name) webhook"
        var destination = Destination(
            id: ResourceID.make(.destination), tenant: identity.tenant, name: name, slug: "",
            createdAt: now, updatedAt: now)
        // Deliveries one at a time, so a receiver gets a database's changes in commit order.
        destination.maxConcurrency = 1
        destination.slug = "pending"
        try DestinationSettings(deps: deps).apply(try settings(body, existing: nil), to: &destination, creating: true)
        // Many sources make destinations of the same name: the ID's tail keeps slugs unique.
        destination.slug = String(Slug.make(from: name).prefix(80)) + "-" + destination.id.suffix(6)
        try await deps.store.createDestination(destination)
        let connection = Connection(
            id: ResourceID.make(.connection), tenant: identity.tenant, name: nil, sourceID: source.id, destinationID: destination.id,
            createdAt: now, updatedAt: now)
        do {
            try await deps.store.createConnection(connection)
        } catch {
            try? await deps.store.deleteDestination(id: destination.id, tenant: identity.tenant, at: now)
            throw error
        }
        try await deps.routesChanged(sourceID: source.id)
        return .json(render(destination, sourceID: source.id), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let source = try await source(context)
        var out: [JSON] = []
        for destinationID in try await connectedDestinations(source.id, tenant: identity.tenant) {
            if let destination = try await deps.store.destination(id: destinationID, tenant: identity.tenant) {
                out.append(render(destination, sourceID: source.id))
            }
        }
        return .json(["destinations": .array(out)])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let source = try await source(context)
        var destination = try await connected(context, source: source)
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        if body.has("name") { destination.name = try body.requiredString("name", maxLength: 200) }
        try DestinationSettings(deps: deps).apply(try settings(body, existing: destination), to: &destination, creating: false)
        destination.updatedAt = deps.configuration.clock.nowMillis
        try await deps.store.updateDestination(destination)
        deps.delivery.destinationChanged(destination.id)
        _ = identity
        return .json(render(destination, sourceID: source.id))
    }

    /// Removes the destination (and with it its connections): it was made for this source.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let source = try await source(context)
        let destination = try await connected(context, source: source)
        try await deps.store.deleteDestination(id: destination.id, tenant: identity.tenant, at: deps.configuration.clock.nowMillis)
        deps.delivery.destinationChanged(destination.id)
        try await deps.routesChanged(sourceID: source.id)
        return .json(["success": true])
    }

    /// The shortcut's members as the destination settings they stand for.
    private func settings(_ body: JSONBody, existing: Destination?) throws -> JSONBody {
        var members: JSONObject = ["type": "http"]
        if body.has("url") { members["url"] = .string(try body.requiredString("url", maxLength: 2000)) }
        if body.has("headers") { members["headers"] = body.members["headers"] }
        if existing == nil || body.has("secret") {
            guard body.members["secret"] == nil || body.members["secret"] == .null || body.members["secret"]?.stringValue != nil else {
                throw APIError.badRequest("'secret' must be a string")
            }
            let secret = try body.string("secret", maxLength: 4000) ?? ""
            members["signing_config"] = ["algorithm": "streamhook", "secret": .string(secret)]
        }
        return JSONBody(members: members)
    }

    private func source(_ context: AppRequestContext) async throws -> Source {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        return source
    }

    private func connectedDestinations(_ sourceID: String, tenant: Tenant) async throws -> [String] {
        var ids: [String] = []
        var before: String?
        repeat {
            let page = try await deps.store.connections(tenant: tenant, sourceID: sourceID, destinationID: nil, beforeID: before, limit: 100)
            for stored in page.items where !ids.contains(stored.connection.destinationID) { ids.append(stored.connection.destinationID) }
            before = page.hasMore ? page.nextAfterID : nil
        } while before != nil
        return ids.reversed()
    }

    /// `:did`, which must be a destination connected to the source.
    private func connected(_ context: AppRequestContext, source: Source) async throws -> Destination {
        let identity = try context.caller
        let did = try context.parameters.require("did")
        guard try await connectedDestinations(source.id, tenant: identity.tenant).contains(did),
            let destination = try await deps.store.destination(id: did, tenant: identity.tenant)
        else { throw APIError.notFound("Destination") }
        return destination
    }

    /// streamhook's shape of a destination: the secret and sensitive headers masked.
    func render(_ d: Destination, sourceID: String) -> JSON {
        let full = DestinationsRoutes(deps: deps).render(d)
        var o: JSONObject = [:]
        o["id"] = .string(d.id)
        o["source_id"] = .string(sourceID)
        o["name"] = .string(d.name)
        o["url"] = d.url.map(JSON.string) ?? .null
        // No secret (streamhook's signing is optional) shows as null, not as a mask of nothing.
        let signing = d.sealedSigningConfig.flatMap { try? deps.secrets.open($0) }.flatMap { try? JSON(parsing: $0) }
        o["secret"] = signing?["secret"]?.stringValue?.isEmpty == false ? full["signing_config"]?["secret"] ?? .null : .null
        o["headers"] = full["headers"] ?? .object([:])
        o["status"] = .string(d.status.rawValue)
        o["created_at"] = .string(Timestamp.iso(millis: d.createdAt))
        o["updated_at"] = .string(Timestamp.iso(millis: d.updatedAt))
        return .object(o)
    }
}
