import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/events`: browse and read what sources received.
struct EventsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/events", use: list)
        router.get("/v1/events/:id", use: get)
        router.get("/v1/events/:id/body", use: body)
        router.post("/v1/events/:id/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 50)
        var search = q.get("search")
        if let s = search, s.count > 200 { throw APIError.badRequest("'search' must be at most 200 characters") }
        if search?.isEmpty == true { search = nil }
        // A published event's origin is its topic, kept where a source's ID is (`Event.topicID`).
        let sourceID = try QueryValue.id(q, "source_id")
        let topicID = try QueryValue.id(q, "topic_id")
        if sourceID != nil, topicID != nil { throw APIError.badRequest("Filter by 'source_id' or by 'topic_id', not both") }
        if let topicID, !ResourceID.isWellFormed(topicID, .topic) { throw APIError.badRequest("'topic_id' is not a topic ID") }
        let query = EventQuery(
            sourceID: sourceID ?? topicID, status: try QueryValue.oneOf(q, "status", Event.Status.allCases.map(\.rawValue)).flatMap(Event.Status.init(rawValue:)),
            receivedAfter: try QueryValue.timestamp(q, "after"), receivedBefore: try QueryValue.timestamp(q, "before"),
            search: search, beforeID: paging.afterID, limit: paging.limit)
        let page = try await deps.store.events(tenant: identity.tenant, query: query)
        return .json([
            "events": .array(page.items.map(Self.summary)),
            "pagination": [
                "total": .number(Double(page.total ?? 0)), "limit": .number(Double(paging.limit)),
                "has_more": .bool(page.hasMore), "next_cursor": page.nextCursor,
            ],
        ])
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let stored = try await deps.store.event(id: id, tenant: identity.tenant) else { throw APIError.notFound("Event") }
        let bytes = try await bodyBytes(stored.event)
        let attempts = try await deps.store.deliveryAttempts(tenant: identity.tenant, query: AttemptQuery(eventID: id, limit: 100))
        // Only a source that is (or was, before its claim) a test session has extras to show.
        let testRecord = try await deps.store.testEventRecord(eventID: id)
        return .json(
            bytes: Self.detail(
                stored, body: bytes, attempts: attempts.items.reversed().map { DeliveryAttemptsRoutes.render($0) }, testSession: testRecord))
    }

    /// `GET /v1/events/:id/body`: the body exactly as it arrived, with its content type — what
    /// a signature was computed over, which the JSON detail cannot carry for every body (the
    /// CLI's `events replay --to` re-sends these bytes).
    @Sendable func body(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let stored = try await deps.store.event(id: id, tenant: identity.tenant) else { throw APIError.notFound("Event") }
        let bytes = try await bodyBytes(stored.event)
        var headers = HTTPFields()
        headers[.contentType] = stored.event.contentType ?? "application/octet-stream"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `POST /v1/events/:id/retry`: runs the event through its source's current connections
    /// again (filters included); each match gets a delivery queued now. An event its paused
    /// source holds is a 409: it is routed, in its turn, when the source resumes.
    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        guard let stored = try await deps.store.event(id: id, tenant: identity.tenant) else { throw APIError.notFound("Event") }
        guard case .requeued(let queued) = try await deps.routing.route(.retry(stored.event)) else {
            preconditionFailure("a retry is answered with its queued attempts")
        }
        var retried: [JSON] = []
        var errors: [JSON] = []
        for (route, attempt) in queued {
            if let attempt {
                retried.append([
                    "connection_id": .string(route.connectionID), "destination_id": .string(route.destinationID),
                    "delivery_attempt_id": .string(attempt.id), "status": "queued",
                ])
            } else {
                errors.append([
                    "connection_id": .string(route.connectionID), "destination_id": .string(route.destinationID),
                    "error": "Destination no longer exists",
                ])
            }
        }
        return .json(["retried": .array(retried), "errors": .array(errors)])
    }

    private func bodyBytes(_ event: Event) async throws -> [UInt8] {
        try await deps.routing.bodyBytes(event)
    }

    static func summary(_ stored: StoredEvent) -> JSON {
        let e = stored.event
        return [
            "id": .string(e.id), "source_id": e.topicID == nil ? .string(e.sourceID) : .null,
            "topic_id": e.topicID.map(JSON.string) ?? .null, "source_name": stored.sourceName.map(JSON.string) ?? .null,
            "method": .string(e.method), "content_type": e.contentType.map(JSON.string) ?? .null, "status": .string(e.status.rawValue),
            "dedup_status": .string(e.dedupStatus.rawValue), "body_size": .number(Double(e.bodySize)),
            "source_ip": e.sourceIP.map(JSON.string) ?? .null, "received_at": .string(Timestamp.iso(millis: e.receivedAt)),
        ]
    }

    /// The full event. A JSON body is returned as JSON, byte for byte as it arrived; other
    /// UTF-8 text as a string; anything else base64 with `body_encoding: "base64"`. An event
    /// that arrived through a test session carries `test_session` (the status its URL answered,
    /// the note, the forwarding result), kept when the session is claimed; `null` otherwise.
    static func detail(_ stored: StoredEvent, body: [UInt8], attempts: [JSON], testSession: TestEventRecord? = nil) -> [UInt8] {
        let e = stored.event
        var w = JSONObjectWriter()
        w.member("id", .string(e.id))
        w.member("source_id", e.topicID == nil ? .string(e.sourceID) : .null)
        w.member("topic_id", e.topicID.map(JSON.string) ?? .null)
        w.member("source_name", stored.sourceName.map(JSON.string) ?? .null)
        w.member("method", .string(e.method))
        w.member("headers", .object(e.headers))
        w.member("query", .object(e.query))
        let rendered = EventBodyRendering(body)
        switch rendered {
        case .empty: w.member("body", .null)
        case .json: w.member("body", rawJSON: body)
        case .text(let s): w.member("body", .string(s))
        case .binary(let b64): w.member("body", .string(b64))
        }
        w.member("body_encoding", .string(rendered.encoding))
        w.member("content_type", e.contentType.map(JSON.string) ?? .null)
        w.member("source_ip", e.sourceIP.map(JSON.string) ?? .null)
        w.member("body_size", .number(Double(e.bodySize)))
        w.member("status", .string(e.status.rawValue))
        w.member("dedup_status", .string(e.dedupStatus.rawValue))
        w.member("verification_status", e.verificationStatus.map { JSON.string($0.rawValue) } ?? .null)
        w.member("delivery_attempts", .array(attempts))
        w.member("test_session", testSession.map(Self.testSessionExtras) ?? .null)
        w.member("received_at", .string(Timestamp.iso(millis: e.receivedAt)))
        return w.finished()
    }

    /// The same fields a test session's own event views show.
    static func testSessionExtras(_ record: TestEventRecord) -> JSON {
        [
            "response_status": .number(Double(record.responseStatus)), "note": record.note.map(JSON.string) ?? .null,
            "forwarding": record.forward?.json ?? .null,
        ]
    }
}

/// How a stored body is shown in JSON.
enum EventBodyRendering {
    case empty
    case json
    case text(String)
    case binary(String)

    init(_ bytes: [UInt8]) {
        if bytes.isEmpty {
            self = .empty
        } else if let text = String(validating: bytes, as: UTF8.self) {
            self = (try? JSON(parsing: bytes)) != nil ? .json : .text(text)
        } else {
            self = .binary(Data(bytes).base64EncodedString())
        }
    }

    var encoding: String {
        if case .binary = self { return "base64" }
        return "utf8"
    }
}
