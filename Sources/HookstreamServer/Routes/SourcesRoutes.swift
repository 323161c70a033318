import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/sources`: create, list, read, update and delete sources, and the template catalogue;
/// a database source's backfill is in `SourcesRoutes+Backfill.swift`.
struct SourcesRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/sources/templates") { _, _ in
            JSON.object(["templates": .array(SourceTemplate.all.map(Self.templateJSON))])
        }
        router.get("/v1/sources", use: list)
        router.post("/v1/sources", use: create)
        router.get("/v1/sources/:id", use: get)
        router.patch("/v1/sources/:id", use: update)
        router.delete("/v1/sources/:id", use: delete)
        router.post("/v1/sources/:id/backfill", use: backfill)
    }

    static func templateJSON(_ t: SourceTemplate) -> JSON {
        var o: JSONObject = [
            "id": .string(t.id), "name": .string(t.name), "verification_type": .string(t.verificationType),
            "verification_header": t.verificationHeader.map(JSON.string) ?? .null, "description": .string(t.description),
        ]
        o["docs_url"] = t.docsURL.map(JSON.string) ?? .null
        return .object(o)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let paging = try Paging(request.uri.queryParameters, defaultLimit: 20)
        let status = try QueryValue.oneOf(request.uri.queryParameters, "status", Source.Status.allCases.map(\.rawValue))
            .flatMap(Source.Status.init(rawValue:))
        let page = try await deps.store.sources(tenant: identity.tenant, status: status, beforeID: paging.afterID, limit: paging.limit)
        var rendered: [String: JSON] = [:]
        for source in page.items { rendered[source.id] = try await render(source, measureLag: false) }
        return .json(page.listBody("sources", render: { rendered[$0.id] ?? .null }))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: SourceSettings.fields)
        let now = deps.configuration.clock.nowMillis
        let name = try body.requiredString("name", maxLength: 200)
        let kind = try body.oneOf("type", Source.Kind.allCases.map(\.rawValue)).flatMap(Source.Kind.init(rawValue:)) ?? .webhook
        var source = Source(
            id: ResourceID.make(.source), tenant: identity.tenant, name: name,
            slug: try body.string("slug", maxLength: 100) ?? Slug.make(from: name), createdAt: now, updatedAt: now)
        guard Slug.isValid(source.slug) else {
            throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens")
        }
        // The slug was derived from the name: on a clash it is made unique instead of refused.
        let unique = !body.has("slug")
        switch kind {
        case .postgresql:
            try await DatabaseSources(deps: deps).create(body, source: &source) { source, capture in
                try await Self.insert(source, uniqueSlug: unique) { try await deps.store.createDatabaseSource($0, capture: capture) }
            }
            source = try await deps.store.source(id: source.id, tenant: identity.tenant) ?? source
        case .webhook:
            if let key = DatabaseSources.fields.first(where: body.has) {
                throw APIError.badRequest("'\(key)' applies to postgresql sources (\"type\": \"postgresql\")")
            }
            try SourceSettings(deps: deps).apply(body, to: &source, creating: true, now: now)
            source = try await Self.insert(source, uniqueSlug: unique) { try await deps.store.createSource($0) }
        }
        return .json(try await render(source, measureLag: false), status: .created)
    }

    /// Saves a new source; with `uniqueSlug`, a slug clash is resolved by a suffix of the ID.
    @discardableResult
    static func insert(_ source: Source, uniqueSlug: Bool, _ save: (Source) async throws -> Void) async throws -> Source {
        var source = source
        do {
            try await save(source)
        } catch StoreError.conflict where uniqueSlug {
            source.slug = String(source.slug.prefix(80)) + "-" + source.id.suffix(6)
            try await save(source)
        }
        return source
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        return .json(try await render(source, measureLag: true))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: SourceSettings.fields)
        guard var source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        let now = deps.configuration.clock.nowMillis
        if body.has("name") { source.name = try body.requiredString("name", maxLength: 200) }
        if body.has("slug") { source.slug = try body.requiredString("slug", maxLength: 100) }
        if body.has("type"), try body.string("type") != source.kind.rawValue {
            throw APIError.badRequest("'type' cannot be changed; create a new source")
        }
        source.updatedAt = now
        if source.kind == .postgresql {
            guard Slug.isValid(source.slug) else {
                throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens")
            }
            try await DatabaseSources(deps: deps).update(body, source: &source) { try await deps.store.updateSource($0) }
            deps.sources.invalidate(source.id)
            return .json(try await render(source, measureLag: false))
        }
        if let key = DatabaseSources.fields.first(where: body.has) {
            throw APIError.badRequest("'\(key)' applies to postgresql sources")
        }
        try SourceSettings(deps: deps).apply(body, to: &source, creating: false, now: now)
        try await deps.store.updateSource(source)
        deps.sources.invalidate(source.id)
        // Resumed (or set active again): what the source held while paused is routed now, in
        // arrival order. Asking when nothing is held costs one indexed read.
        if body.has("status") && source.status == .active { deps.releaser.resume(sourceID: source.id) }
        return .json(try await render(source, measureLag: false))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let source = try await deps.store.source(id: id, tenant: identity.tenant) else { throw APIError.notFound("Source") }
        if source.kind == .postgresql {
            let force = try QueryValue.oneOf(request.uri.queryParameters, "force", ["true", "false"]) == "true"
            try await DatabaseSources(deps: deps).delete(source, force: force)
        }
        do {
            try await deps.store.deleteSource(id: id, tenant: identity.tenant, at: deps.configuration.clock.nowMillis)
        } catch StoreError.notFound {
            throw APIError.notFound("Source")
        }
        deps.sources.invalidate(id)
        return .json(["success": true])
    }

    /// A source as every response shows it; a database source adds its capture (see
    /// `DatabaseSources.decorate`).
    func render(_ s: Source, measureLag: Bool) async throws -> JSON {
        guard case .object(var o) = render(s) else { return render(s) }
        if s.kind == .postgresql { try await DatabaseSources(deps: deps).decorate(&o, s, measureLag: measureLag) }
        return .object(o)
    }

    func render(_ s: Source) -> JSON {
        let secret = s.sealedSecret.flatMap { try? deps.secrets.open($0) }
        var o: JSONObject = [:]
        o["id"] = .string(s.id)
        o["name"] = .string(s.name)
        o["slug"] = .string(s.slug)
        o["type"] = .string(s.kind.rawValue)
        o["status"] = .string(s.status.rawValue)
        o["template"] = s.template.map(JSON.string) ?? .null
        o["url"] = .string(deps.baseURL.string + "/v1/ingest/" + s.id)
        o["verification_type"] = s.verificationType.map(JSON.string) ?? .null
        o["verification_header"] = s.verificationHeader.map(JSON.string) ?? .null
        o["verification_secret"] = secret.map { .string(SecretBox.mask($0)) } ?? .null
        o["previous_secret_expires_at"] = .timestamp(s.previousSecretExpiresAt)
        o["dedup_strategy"] = s.dedupStrategy.map(JSON.string) ?? .null
        o["dedup_field"] = s.dedupField.map(JSON.string) ?? .null
        o["dedup_window_seconds"] = .number(s.dedupWindowSeconds)
        o["ip_allowlist"] = s.ipAllowlist.map { .array($0.map(JSON.string)) } ?? .null
        o["ip_denylist"] = s.ipDenylist.map { .array($0.map(JSON.string)) } ?? .null
        o["schema_validation_enabled"] = .bool(s.schemaValidationEnabled)
        o["json_schema"] = s.jsonSchema ?? .null
        o["schema_action"] = .string(s.schemaAction)
        o["event_count"] = .number(Double(s.eventCount))
        o["created_at"] = .string(Timestamp.iso(millis: s.createdAt))
        o["updated_at"] = .string(Timestamp.iso(millis: s.updatedAt))
        return .object(o)
    }
}

/// URL-safe slugs: lower-case letters, digits and single hyphens.
enum Slug {
    static func make(from name: String) -> String {
        var out = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "source" : String(out.prefix(80))
    }

    static func isValid(_ slug: String) -> Bool {
        !slug.isEmpty && slug.count <= 100 && !slug.hasPrefix("-") && !slug.hasSuffix("-")
            && slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
