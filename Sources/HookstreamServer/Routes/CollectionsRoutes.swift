import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/collections`: Instant Database collections (create, list, read, update, delete), their
/// records, each record's changelog, stats, the schema inferred from a sample, exports
/// (`CollectionsRoutes+Export.swift`) and backfills (`CollectionsRoutes+Backfill.swift`).
/// Records are written by the upsert engine as events are stored (see `CollectionStore`) or by
/// a backfill, never through these routes.
struct CollectionsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/collections", use: list)
        router.post("/v1/collections", use: create)
        router.get("/v1/collections/:id", use: get)
        router.patch("/v1/collections/:id", use: update)
        router.delete("/v1/collections/:id", use: delete)
        router.get("/v1/collections/:id/stats", use: stats)
        router.get("/v1/collections/:id/schema", use: schema)
        router.get("/v1/collections/:id/export", use: export)
        router.post("/v1/collections/:id/backfill", use: startBackfill)
        router.get("/v1/collections/:id/backfill", use: backfill)
        router.get("/v1/collections/:id/records", use: records)
        router.get("/v1/collections/:id/records/:key", use: record)
        router.get("/v1/collections/:id/records/:key/changelog", use: changelog)
    }

    /// What a create or update body may hold. The source and both paths are fixed at creation
    /// (see `RecordCollection`); an update naming them gets a 400 that says so.
    static let fields: BodyFields = ["name", "slug", "description", "source_id", "primary_key_path", "timestamp_path"]
    private static let fixedFields = ["source_id", "primary_key_path", "timestamp_path"]

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 20)
        let page = try await deps.store.collections(
            tenant: identity.tenant, sourceID: try QueryValue.id(q, "source_id"), beforeID: paging.afterID, limit: paging.limit)
        return .json(page.listBody("collections", render: Self.render))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let now = deps.configuration.clock.nowMillis
        let name = try body.requiredString("name", maxLength: 200)
        let sourceID = try body.requiredString("source_id", maxLength: 80)
        let keyPath = try Self.checkedPath(body.requiredString("primary_key_path", maxLength: 500), "primary_key_path")
        let timestampPath = try body.string("timestamp_path", maxLength: 500).map { try Self.checkedPath($0, "timestamp_path") }
        var collection = RecordCollection(
            id: ResourceID.make(.collection), tenant: identity.tenant, name: name,
            slug: try body.string("slug", maxLength: 100) ?? Slug.make(from: name), description: try body.string("description", maxLength: 2000),
            sourceID: sourceID, primaryKeyPath: keyPath, timestampPath: timestampPath, createdAt: now, updatedAt: now)
        try Self.checkSlug(collection.slug)
        // Another tenant's source is as absent as one that never existed.
        guard try await deps.store.source(id: sourceID, tenant: identity.tenant) != nil else { throw APIError.notFound("Source") }
        do {
            try await deps.store.createCollection(collection)
        } catch StoreError.conflict where !body.has("slug") {
            // The slug was derived from the name; make it unique instead of refusing.
            collection.slug = Slug.make(from: name) + "-" + collection.id.suffix(6)
            try await deps.store.createCollection(collection)
        }
        // Ingest parses the source's bodies ahead of its writer from now on (the cached
        // source's `collectionCount`). A deleted collection leaves that parse running until
        // the cached source expires, seconds later: a cost, never a wrong record.
        deps.sources.invalidate(sourceID)
        return .json(["collection": Self.render(collection)], status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        .json(Self.render(try await owned(context)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        var collection = try await owned(context)
        if let fixed = Self.fixedFields.first(where: body.has) {
            throw APIError.badRequest("'\(fixed)' cannot be changed: the records were keyed by it; create a new collection instead")
        }
        if body.has("name") { collection.name = try body.requiredString("name", maxLength: 200) }
        if body.has("slug") {
            collection.slug = try body.requiredString("slug", maxLength: 100)
            try Self.checkSlug(collection.slug)
        }
        if body.has("description") { collection.description = try body.string("description", maxLength: 2000) }
        collection.updatedAt = deps.configuration.clock.nowMillis
        do {
            try await deps.store.updateCollection(collection)
        } catch StoreError.notFound {
            throw APIError.notFound("Collection")
        }
        return .json(Self.render(collection))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        do {
            try await deps.store.deleteCollection(id: try context.parameters.require("id"), tenant: identity.tenant, at: deps.configuration.clock.nowMillis)
        } catch StoreError.notFound {
            throw APIError.notFound("Collection")
        }
        return .json(["success": true])
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        let s = try await owned(context).stats
        return .json([
            "record_count": .number(Double(s.recordCount)), "changelog_entries": .number(Double(s.changelogEntries)),
            "last_sync_at": .timestamp(s.lastSyncAt), "skipped_older": .number(Double(s.skippedOlder)),
            "skipped_no_key": .number(Double(s.skippedNoKey)),
        ])
    }

    /// How many records schema inference samples (the reference's number), newest first, read
    /// in pages so only one page of record data is held at a time.
    static let schemaSampleSize = 200
    private static let schemaPageSize = 50

    @Sendable func schema(_ request: Request, context: AppRequestContext) async throws -> Response {
        let collection = try await owned(context)
        var builder = RecordSchemaBuilder()
        var sampled = 0
        var cursor: String?
        repeat {
            let page = try await deps.store.collectionRecords(
                collectionID: collection.id, tenant: collection.tenant, search: nil, beforeID: cursor,
                limit: min(Self.schemaPageSize, Self.schemaSampleSize - sampled))
            for record in page.items {
                // Stored data was parsed when it was synced; a record that no longer parses is
                // left out rather than failing the whole inference.
                if let data = try? JSON(parsing: record.data) { builder.add(data) }
                sampled += 1
            }
            cursor = page.hasMore ? page.nextAfterID : nil
        } while cursor != nil && sampled < Self.schemaSampleSize
        let schema = builder.schema()
        let fields: [JSON] = schema.fields.map { field in
            var member: JSONObject = ["name": .string(field.name), "type": .string(field.type), "nullable": .bool(field.nullable)]
            if field.types.count > 1 { member["types"] = .array(field.types.map(JSON.string)) }
            return .object(member)
        }
        return .json(["fields": .array(fields), "sample_count": .number(Double(schema.sampleCount)), "truncated": .bool(schema.truncated)])
    }

    @Sendable func records(_ request: Request, context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 20)
        // `search` is the spec page's name, `q` the shorter alias; an empty one lists all.
        let search = (q.get("search") ?? q.get("q")).map { String($0) }
        if let search, search.count > 500 { throw APIError.badRequest("'search' may be at most 500 characters") }
        // A NUL cannot be in a record's text, and SQLite's full-text query ends at one.
        if let search, search.contains("\u{0}") { throw APIError.badRequest("'search' must not contain a NUL character") }
        let collection = try await owned(context)
        let page = try await deps.store.collectionRecords(
            collectionID: collection.id, tenant: collection.tenant, search: search, beforeID: paging.afterID, limit: paging.limit)
        return .json(bytes: Self.pageBytes("records", page, render: Self.recordBytes))
    }

    @Sendable func record(_ request: Request, context: AppRequestContext) async throws -> Response {
        let collection = try await owned(context)
        guard let record = try await deps.store.collectionRecord(collectionID: collection.id, tenant: collection.tenant, key: try Self.key(context))
        else { throw APIError.notFound("Record") }
        var w = JSONObjectWriter()
        w.member("record", rawJSON: Self.recordBytes(record))
        return .json(bytes: w.finished())
    }

    @Sendable func changelog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let paging = try Paging(request.uri.queryParameters, defaultLimit: 50)
        let collection = try await owned(context)
        let page = try await deps.store.collectionChangelog(
            collectionID: collection.id, tenant: collection.tenant, key: try Self.key(context), beforeID: paging.afterID, limit: paging.limit)
        return .json(bytes: Self.pageBytes("changelog", page) { Self.render($0).serializedBytes() })
    }

    // MARK: Helpers

    /// The collection named by the path, in the caller's tenant.
    func owned(_ context: AppRequestContext) async throws -> RecordCollection {
        let identity = try context.caller
        guard let collection = try await deps.store.collection(id: try context.parameters.require("id"), tenant: identity.tenant) else {
            throw APIError.notFound("Collection")
        }
        return collection
    }

    /// The `:key` path segment. Keys may hold anything a payload does (`/`, spaces), so
    /// clients percent-encode them.
    private static func key(_ context: AppRequestContext) throws -> String {
        let raw = try context.parameters.require("key")
        return raw.removingPercentEncoding ?? raw
    }

    private static func checkedPath(_ text: String, _ field: String) throws -> String {
        do {
            _ = try CollectionPath(parsing: text, field: field)
        } catch {
            throw APIError.badRequest(error.description)
        }
        return text
    }

    private static func checkSlug(_ slug: String) throws {
        guard Slug.isValid(slug) else { throw APIError.badRequest("'slug' may contain only lower-case letters, digits and hyphens") }
    }

    /// `{<key>: [...], "next_cursor", "cursor", "has_more"}`: the reference names the cursor
    /// `next_cursor` on these pages; `cursor` is what every other listing calls it.
    private static func pageBytes<T>(_ key: String, _ page: Page<T>, render: (T) -> [UInt8]) -> [UInt8] {
        var items: [UInt8] = [UInt8(ascii: "[")]
        for (index, item) in page.items.enumerated() {
            if index > 0 { items.append(UInt8(ascii: ",")) }
            items.append(contentsOf: render(item))
        }
        items.append(UInt8(ascii: "]"))
        var w = JSONObjectWriter()
        w.member(key, rawJSON: items)
        w.member("next_cursor", page.nextCursor)
        w.member("cursor", page.nextCursor)
        w.member("has_more", .bool(page.hasMore))
        return w.finished()
    }

    static func render(_ c: RecordCollection) -> JSON {
        [
            "id": .string(c.id), "name": .string(c.name), "slug": .string(c.slug), "description": c.description.map(JSON.string) ?? .null,
            "source_id": .string(c.sourceID), "primary_key_path": .string(c.primaryKeyPath),
            "timestamp_path": c.timestampPath.map(JSON.string) ?? .null, "record_count": .number(Double(c.stats.recordCount)),
            "last_sync_at": .timestamp(c.stats.lastSyncAt), "created_at": .string(Timestamp.iso(millis: c.createdAt)),
            "updated_at": .string(Timestamp.iso(millis: c.updatedAt)),
        ]
    }

    /// A record with its data as stored: the event body byte for byte, so large integers keep
    /// every digit. `primary_key` and `record_key` are the same value (the reference uses one
    /// name in listings and the other on a single record).
    static func recordBytes(_ r: CollectionRecord) -> [UInt8] {
        recordWriter(r).finished()
    }

    /// ``recordBytes(_:)`` still open for more members (a `sync` message adds its action).
    static func recordWriter(_ r: CollectionRecord) -> JSONObjectWriter {
        var w = JSONObjectWriter()
        w.member("id", .string(r.id))
        w.member("collection_id", .string(r.collectionID))
        w.member("primary_key", .string(r.key))
        w.member("record_key", .string(r.key))
        w.member("data", rawJSON: Array(r.data.utf8))
        w.member("event_id", .string(r.eventID))
        w.member("source_event_at", .string(Timestamp.iso(millis: r.sourceEventAt)))
        w.member("synced_at", .string(Timestamp.iso(millis: r.syncedAt)))
        w.member("created_at", .string(Timestamp.iso(millis: r.createdAt)))
        return w
    }

    static func render(_ e: ChangelogEntry) -> JSON {
        [
            "id": .string(e.id), "collection_id": .string(e.collectionID), "record_key": .string(e.key), "event_id": .string(e.eventID),
            "action": .string(e.action.rawValue), "source_event_at": .string(Timestamp.iso(millis: e.sourceEventAt)),
            "created_at": .string(Timestamp.iso(millis: e.createdAt)),
        ]
    }
}
