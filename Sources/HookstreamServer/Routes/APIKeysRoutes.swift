import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/auth/api-keys`: keys are managed from a signed-in session only (as the spec says), so
/// a leaked key cannot mint more keys.
struct APIKeysRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/auth/api-keys", use: create)
        router.get("/v1/auth/api-keys", use: list)
        router.delete("/v1/auth/api-keys/:id", use: revoke)
    }

    private func sessionUser(_ context: AppRequestContext) throws -> (User, Tenant) {
        let identity = try context.caller
        guard let user = identity.user else {
            throw APIError(.forbidden, "API keys are managed from a signed-in session, not with an API key")
        }
        return (user, identity.tenant)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (user, tenant) = try sessionUser(context)
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["name", "mode"])
        let name = try body.requiredString("name", maxLength: 200)
        let mode = try body.oneOf("mode", ["live", "test"]).flatMap(APIKey.Mode.init(rawValue:)) ?? .live
        let key = APIKey.generate(mode)
        let record = APIKeyRecord(
            id: ResourceID.make(.apiKey), organizationID: tenant.organizationID, environmentID: tenant.environmentID, userID: user.id,
            name: name, keyPrefix: APIKey.displayPrefix(key), createdAt: Timestamp.millis(Date()))
        try await deps.store.createAPIKey(record, keyHash: APIKey.hash(key))
        return .json(
            [
                "id": .string(record.id), "name": .string(name), "key": .string(key), "key_prefix": .string(record.keyPrefix),
                "scopes": .null, "created_at": .string(Timestamp.iso(millis: record.createdAt)),
            ], status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, tenant) = try sessionUser(context)
        let keys = try await deps.store.apiKeys(organizationID: tenant.organizationID)
        return .json(["api_keys": .array(keys.map(Self.render))])
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, tenant) = try sessionUser(context)
        let id = try context.parameters.require("id")
        do {
            try await deps.store.revokeAPIKey(id: id, organizationID: tenant.organizationID)
        } catch StoreError.notFound {
            throw APIError.notFound("API key")
        }
        // Only revocation needs this: a new key is random, so no lookup can have cached it.
        deps.apiKeys.invalidateAll()
        return .json(["success": true])
    }

    static func render(_ k: APIKeyRecord) -> JSON {
        [
            "id": .string(k.id), "name": .string(k.name), "key_prefix": .string(k.keyPrefix), "scopes": .null,
            "request_count": .number(Double(k.requestCount)), "revoked": .number(k.revoked ? 1 : 0),
            "created_at": .string(Timestamp.iso(millis: k.createdAt)),
            "last_used_at": .timestamp(k.lastUsedAt),
        ]
    }
}
