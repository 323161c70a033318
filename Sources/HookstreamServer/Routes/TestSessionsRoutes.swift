import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue
import NIOCore

/// `/v1/test/sessions…` and the agent API's `/v1/agent/sessions…`: ephemeral webhook
/// endpoints anyone may create (per-IP quota), inspect, configure, export, delete — and claim
/// into their organization once signed in. Both prefixes serve the same sessions with the same
/// handlers; only claim needs credentials.
///
/// An expired session stays readable (and exportable) until the periodic job deletes it;
/// changing it or claiming it is a 410.
struct TestSessionsRoutes {
    let deps: ServerDependencies

    static let prefixes = ["/v1/test/sessions", "/v1/agent/sessions"]

    func register(on router: Router<AppRequestContext>) {
        for prefix in Self.prefixes {
            let p = RouterPath(prefix)
            router.post(p, use: create)
            router.get(RouterPath(prefix + "/:id"), use: get)
            router.delete(RouterPath(prefix + "/:id"), use: delete)
            router.post(RouterPath(prefix + "/:id/claim"), use: claim)
            router.get(RouterPath(prefix + "/:id/events/:event_id"), use: event)
            router.get(RouterPath(prefix + "/:id/events/:event_id/body"), use: body)
            router.put(RouterPath(prefix + "/:id/events/:event_id/note"), use: note)
            router.patch(RouterPath(prefix + "/:id/response"), use: response)
            router.patch(RouterPath(prefix + "/:id/forwarding"), use: forwarding)
            router.get(RouterPath(prefix + "/:id/export"), use: export)
        }
    }

    // MARK: Handlers

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let configuration = deps.configuration
        let now = configuration.clock.nowMillis
        let id = ResourceID.make(.source, now: configuration.clock.now)
        let session = TestSession(
            id: id, createdAt: now, expiresAt: now + Int64(configuration.testSessionTTLSeconds * 1000),
            requestLimit: configuration.testSessionRequestLimit)
        let source = Source(id: id, tenant: TestSession.anonymousTenant, name: "Test session", slug: id, createdAt: now, updatedAt: now)
        let client = deps.clientAddresses.resolve(peer: context.peer, headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) })
        let created = try await deps.store.createTestSession(
            session, source: source, creatorIP: client?.description ?? "unknown", hourAgo: now - 3_600_000,
            perHourLimit: configuration.testSessionsPerIPPerHour)
        guard created else {
            throw APIError(
                .tooManyRequests, "At most \(configuration.testSessionsPerIPPerHour) test sessions per IP address per hour; try again later",
                headers: [.retryAfter: "3600"])
        }
        var body = summary(session)
        body["session_id"] = .string(id)
        return .json(.object(body), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let session = try await live(context)
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 50)
        var query = TestEventQuery(beforeID: paging.afterID, limit: paging.limit)
        if let method = q.get("method") {
            guard !method.isEmpty, method.count <= 20, method.allSatisfy({ $0.isLetter }) else {
                throw APIError.badRequest("'method' must be an HTTP method such as POST")
            }
            query.method = method.uppercased()
        }
        if let status = try QueryValue.oneOf(q, "status", ["2xx", "3xx", "4xx", "5xx"]) { query.statusClass = Int(String(status.prefix(1))) }
        if let search = q.get("q"), !search.isEmpty {
            guard search.count <= 200 else { throw APIError.badRequest("'q' must be at most 200 characters") }
            query.search = search
        }
        let page = try await deps.store.testSessionEvents(sessionID: session.id, query: query)
        var described = summary(session)
        described["id"] = .string(session.id)
        return .json([
            "session": .object(described),
            "events": .array(page.items.map(Self.eventSummary)),
            "pagination": ["limit": .number(Double(paging.limit)), "has_more": .bool(page.hasMore), "next_cursor": page.nextCursor],
        ])
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try sessionID(context)
        guard let blobKeys = try await deps.store.deleteTestSession(id: id, now: deps.configuration.clock.nowMillis) else {
            throw APIError.notFound("Test session")
        }
        for key in blobKeys { deps.blobs.remove(key: key) }
        deps.sources.invalidate(id)
        TestSessionStream.sessionEnded(id, claimed: false, hub: deps.realtime)
        return .json(["deleted": true])
    }

    /// Moves the session's source and events into the caller's tenant; the URL stays the same.
    @Sendable func claim(_ request: Request, context: AppRequestContext) async throws -> Response {
        // The path is public (the rest of the session API is), so credentials are read here.
        let credentials = Credentials(store: deps.store, apiKeys: deps.apiKeys, usage: deps.usage)
        var identity: Identity?
        if let key = request.headers[.apiKey] { identity = try await credentials.apiKey(key) }
        if identity == nil, let token = SessionCookie.token(in: request) { identity = try await credentials.session(token) }
        guard let identity else { throw APIError(.unauthorized, "Claiming a test session needs an X-API-Key header or a signed-in session") }
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let session = try await writable(context)
        guard let source = try await deps.store.claimTestSession(id: session.id, tenant: identity.tenant, now: deps.configuration.clock.nowMillis)
        else { throw APIError.notFound("Test session") }
        deps.sources.invalidate(session.id)
        TestSessionStream.sessionEnded(session.id, claimed: true, hub: deps.realtime)
        return .json([
            "id": .string(session.id), "claimed": true, "org_id": .string(identity.tenant.organizationID),
            "source_id": .string(source.id), "url": .string(ingestURL(source.id)),
        ])
    }

    @Sendable func event(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await sessionEvent(context)
        let body = try await deps.routing.bodyBytes(found.event)
        return .json(bytes: Self.eventDetail(found, body: body))
    }

    /// The body exactly as it arrived, with its content type: what `listen --forward` relays,
    /// so a signature computed over the original bytes still verifies.
    @Sendable func body(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await sessionEvent(context)
        let bytes = try await deps.routing.bodyBytes(found.event)
        return Response(
            status: .ok, headers: [.contentType: found.event.contentType ?? "application/octet-stream"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    @Sendable func note(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["note"])
        guard case .string(let note)? = body.members["note"] else { throw APIError.badRequest("'note' is required and must be a string") }
        guard note.utf8.count <= 10_000 else { throw APIError.badRequest("'note' must be at most 10000 bytes") }
        let session = try await writable(context)
        let eventID = try context.parameters.require("event_id")
        guard ResourceID.isWellFormed(eventID, .event) else { throw APIError.notFound("Event") }
        do {
            try await deps.store.setTestEventNote(eventID: eventID, sessionID: session.id, note: note)
        } catch StoreError.notFound {
            throw APIError.notFound("Event")
        }
        return .json(["ok": true])
    }

    @Sendable func response(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(
            request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["status_code", "content_type", "body", "headers"])
        var session = try await writable(context)
        session.response = try TestSessionSettings.response(body, current: session.response)
        try await save(session)
        return .json(["ok": true, "response": TestSessionSettings.render(session.response)])
    }

    @Sendable func forwarding(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["url", "enabled"])
        var session = try await writable(context)
        session.forwardURL = try TestSessionSettings.forwardURL(body, policy: deps.configuration.outboundPolicy)
        try await save(session)
        return .json(["ok": true, "forwarding": session.forwardURL.map(JSON.string) ?? .null])
    }

    // MARK: Shared

    private func save(_ session: TestSession) async throws {
        do {
            try await deps.store.updateTestSession(session)
        } catch StoreError.notFound {
            throw APIError.notFound("Test session")
        }
    }

    func sessionID(_ context: AppRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard ResourceID.isWellFormed(id, .source) else { throw APIError.notFound("Test session") }
        return id
    }

    /// The session named by the path, expired or not.
    func live(_ context: AppRequestContext) async throws -> TestSession {
        guard let session = try await deps.store.testSession(id: try sessionID(context)) else { throw APIError.notFound("Test session") }
        return session
    }

    /// The session named by the path, which must not have expired.
    private func writable(_ context: AppRequestContext) async throws -> TestSession {
        let session = try await live(context)
        if session.isExpired(now: deps.configuration.clock.nowMillis) { throw APIError(.gone, "This test session has expired") }
        return session
    }

    private func sessionEvent(_ context: AppRequestContext) async throws -> TestSessionEvent {
        let session = try await live(context)
        let eventID = try context.parameters.require("event_id")
        guard ResourceID.isWellFormed(eventID, .event), let found = try await deps.store.testSessionEvent(id: eventID, sessionID: session.id) else {
            throw APIError.notFound("Event")
        }
        return found
    }

    private func ingestURL(_ id: String) -> String { deps.baseURL.string + "/v1/ingest/" + id }

    /// The session as create answers it and `GET` shows it under `session`.
    private func summary(_ s: TestSession) -> JSONObject {
        let base = deps.baseURL.string
        let ws = base.hasPrefix("https://") ? "wss://" + base.dropFirst(8) : "ws://" + base.dropFirst(base.hasPrefix("http://") ? 7 : 0)
        return [
            "url": .string(ingestURL(s.id)), "ws_url": .string(ws + "/v1/ws/test/" + s.id),
            "expires_at": .string(Timestamp.iso(millis: s.expiresAt)), "request_limit": .number(Double(s.requestLimit)),
            "request_count": .number(Double(s.requestCount)), "created_at": .string(Timestamp.iso(millis: s.createdAt)),
            "response": TestSessionSettings.render(s.response), "forwarding": s.forwardURL.map(JSON.string) ?? .null,
        ]
    }

    static func eventSummary(_ found: TestSessionEvent) -> JSON {
        let e = found.event
        return [
            "id": .string(e.id), "source_id": .string(e.sourceID), "method": .string(e.method), "headers": .object(e.headers),
            "query": .object(e.query), "content_type": e.contentType.map(JSON.string) ?? .null, "source_ip": e.sourceIP.map(JSON.string) ?? .null,
            "body_size": .number(Double(e.bodySize)), "response_status": found.record.map { .number(Double($0.responseStatus)) } ?? .null,
            "note": found.record?.note.map(JSON.string) ?? .null, "forwarding": found.record?.forward?.json ?? .null,
            "received_at": .string(Timestamp.iso(millis: e.receivedAt)),
        ]
    }

    /// The event with its payload: JSON as JSON, other text as a string, anything else base64.
    static func eventDetail(_ found: TestSessionEvent, body: [UInt8]) -> [UInt8] {
        eventDocument(found, body: body, bodyKey: "payload")
    }

    /// The summary with the body under `bodyKey` (the detail says `payload`, as the spec's
    /// example; an export line says `body`).
    static func eventDocument(_ found: TestSessionEvent, body: [UInt8], bodyKey: String) -> [UInt8] {
        var w = JSONObjectWriter()
        guard case .object(let summary) = eventSummary(found) else { return [] }
        for (key, value) in summary where key != "received_at" { w.member(key, value) }
        let rendered = EventBodyRendering(body)
        switch rendered {
        case .empty: w.member(bodyKey, .null)
        case .json: w.member(bodyKey, rawJSON: body)
        case .text(let text): w.member(bodyKey, .string(text))
        case .binary(let base64): w.member(bodyKey, .string(base64))
        }
        w.member("body_encoding", .string(rendered.encoding))
        w.member("received_at", .string(Timestamp.iso(millis: found.event.receivedAt)))
        return w.finished()
    }
}
