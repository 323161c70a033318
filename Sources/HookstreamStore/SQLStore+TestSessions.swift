import Foundation
public import HookstreamCore
import JSONValue

extension SQLStore {
    public func createTestSession(_ session: TestSession, source: Source, creatorIP: String, hourAgo: Int64, perHourLimit: Int) async throws -> Bool {
        try await database.write { db in
            // Counted and inserted in one transaction: parallel creations from one IP cannot
            // all see the same count.
            let recent: Int = try db.fetchValue(
                "SELECT COUNT(*) FROM test_sessions WHERE creator_ip = ? AND created_at > ?", [creatorIP, hourAgo]) ?? 0
            guard recent < perHourLimit else { return false }
            try Self.insertSource(source, db)
            try db.execute(
                """
                    INSERT INTO test_sessions (id, created_at, expires_at, request_limit, request_count, response_status,
                        response_content_type, response_body, response_headers, forward_url, creator_ip)
                    VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    session.id, session.createdAt, session.expiresAt, session.requestLimit, session.response.statusCode,
                    session.response.contentType, session.response.body, Self.headersText(session.response.headers), session.forwardURL, creatorIP,
                ])
            return true
        }
    }

    public func testSession(id: String) async throws -> TestSession? {
        try await database.read { db in try Self.liveSession(db, id: id) }
    }

    public func admitTestRequest(sessionID: String, now: Int64) async throws -> TestSession.Admission {
        try await database.write { db in
            guard let session = try Self.liveSession(db, id: sessionID) else { return .notFound }
            let admission = session.admission(now: now)
            if case .admitted(let counted) = admission {
                try db.execute("UPDATE test_sessions SET request_count = ? WHERE id = ?", [counted.requestCount, sessionID])
            }
            return admission
        }
    }

    public func updateTestSession(_ session: TestSession) async throws {
        try await database.write { db in
            let changed = try db.execute(
                """
                    UPDATE test_sessions SET response_status = ?, response_content_type = ?, response_body = ?, response_headers = ?,
                        forward_url = ? WHERE id = ? AND ended_at IS NULL
                    """,
                [
                    session.response.statusCode, session.response.contentType, session.response.body, Self.headersText(session.response.headers),
                    session.forwardURL, session.id,
                ])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func recordTestEvent(eventID: String, sessionID: String, responseStatus: Int) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO test_session_events (event_id, session_id, response_status) VALUES (?, ?, ?)
                    ON CONFLICT (event_id) DO UPDATE SET response_status = excluded.response_status
                    """,
                [eventID, sessionID, responseStatus])
        }
    }

    public func setTestEventNote(eventID: String, sessionID: String, note: String) async throws {
        try await database.write { db in
            guard try Self.liveSession(db, id: sessionID) != nil,
                (try db.fetchValue("SELECT 1 FROM events WHERE id = ? AND source_id = ?", [eventID, sessionID]) as Bool?) ?? false
            else { throw StoreError.notFound }
            // An event whose extras row was never written (a crash between its commit and the
            // extras write) still takes a note; it was answered with the session's response.
            try db.execute(
                """
                    INSERT INTO test_session_events (event_id, session_id, response_status, note)
                    VALUES (?, ?, (SELECT response_status FROM test_sessions WHERE id = ?), ?)
                    ON CONFLICT (event_id) DO UPDATE SET note = excluded.note
                    """,
                [eventID, sessionID, sessionID, note])
        }
    }

    public func recordTestForward(eventID: String, result: TestEventRecord.ForwardResult) async throws {
        try await database.write { db in
            try db.execute(
                """
                    UPDATE test_session_events SET forward_url = ?, forward_status = ?, forward_latency_ms = ?, forward_error = ?,
                        forwarded_at = ? WHERE event_id = ?
                    """,
                [result.url, result.status, result.latencyMillis, result.error, result.forwardedAt, eventID])
        }
    }

    public func testSessionEvent(id: String, sessionID: String) async throws -> TestSessionEvent? {
        try await database.read { db in
            try db.fetchOne(Self.sessionEventsSelect + " WHERE events.id = ? AND events.source_id = ?", [id, sessionID])
                .map(Self.sessionEvent)
        }
    }

    public func testEventRecord(eventID: String) async throws -> TestEventRecord? {
        try await database.read { db in
            try db.fetchOne(
                """
                    SELECT response_status AS x_response_status, note AS x_note, forward_url AS x_forward_url, forward_status AS x_forward_status,
                        forward_latency_ms AS x_forward_latency_ms, forward_error AS x_forward_error, forwarded_at AS x_forwarded_at
                    FROM test_session_events WHERE event_id = ?
                    """,
                [eventID]
            ).flatMap(Self.testEventRecord)
        }
    }

    public func testSessionEvents(sessionID: String, query: TestEventQuery) async throws -> Page<TestSessionEvent> {
        try await database.read { db in
            var sql = Self.sessionEventsSelect + " WHERE events.source_id = ?"
            var arguments: SQLArguments = [sessionID]
            if let method = query.method {
                sql += " AND events.method = ?"
                arguments += [method]
            }
            if let statusClass = query.statusClass {
                sql += " AND x.response_status >= ? AND x.response_status < ?"
                arguments += [statusClass * 100, statusClass * 100 + 100]
            }
            if let search = query.search, !search.isEmpty {
                // Inline bodies only, as `GET /v1/events?search=` (blob bodies are not scanned).
                let pattern = "%" + Self.likeEscaped(search) + "%"
                sql += " AND (events.headers LIKE ? ESCAPE '\\' OR \(db.dialect.text(ofBlob: "events.body")) LIKE ? ESCAPE '\\')"
                arguments += [pattern, pattern]
            }
            if let beforeID = query.beforeID {
                sql += " AND events.id < ?"
                arguments += [beforeID]
            }
            sql += " ORDER BY events.id DESC LIMIT ?"
            arguments += [query.limit + 1]
            return Self.page(try db.fetchAll(sql, arguments, Self.sessionEvent), limit: query.limit, id: \.event.id)
        }
    }

    public func openTestSessionExport(sessionID: String) async throws -> (any TestSessionExportReader)? {
        let snapshot = try await database.snapshot()
        let live = try await snapshot.read { db in try Self.liveSession(db, id: sessionID) != nil }
        return live ? SQLTestSessionExportReader(snapshot: snapshot, sessionID: sessionID) : nil
    }

    public func claimTestSession(id: String, tenant: Tenant, now: Int64) async throws -> Source? {
        try await database.write { db in
            guard try Self.liveSession(db, id: id) != nil else { return nil }
            try db.execute(
                "UPDATE sources SET org_id = ?, env_id = ?, name = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                [tenant.organizationID, tenant.environmentID, "Claimed test session", now, id])
            try db.execute("UPDATE events SET org_id = ?, env_id = ? WHERE source_id = ?", [tenant.organizationID, tenant.environmentID, id])
            try db.execute("UPDATE test_sessions SET ended_at = ? WHERE id = ?", [now, id])
            return try db.fetchOne("SELECT * FROM sources WHERE id = ?", [id]).map(Self.source)
        }
    }

    public func deleteTestSession(id: String, now: Int64) async throws -> [String]? {
        try await database.write { db in
            guard try Self.liveSession(db, id: id) != nil else { return nil }
            return try Self.removeSession(db, id: id, now: now)
        }
    }

    public func purgeExpiredTestSessions(expiredBefore: Int64, now: Int64, limit: Int) async throws -> (deleted: Int, blobKeys: [String]) {
        try await database.write { db in
            let expired: [String] = try db.fetchValues(
                "SELECT id FROM test_sessions WHERE ended_at IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?",
                [expiredBefore, limit])
            var keys: [String] = []
            for id in expired { keys += try Self.removeSession(db, id: id, now: now) }
            // An ended session only still counts against its creator's hourly quota.
            try db.execute("DELETE FROM test_sessions WHERE ended_at IS NOT NULL AND created_at <= ?", [now - 3_600_000])
            return (expired.count, keys)
        }
    }

    /// Removes a session's events, extras and source, and ends its row (kept for the quota).
    private static func removeSession(_ db: SQLConnection, id: String, now: Int64) throws -> [String] {
        let keys: [String] = try db.fetchValues("SELECT body_blob FROM events WHERE source_id = ? AND body_blob IS NOT NULL", [id])
        try db.execute("DELETE FROM events WHERE source_id = ?", [id])
        try db.execute("DELETE FROM test_session_events WHERE session_id = ?", [id])
        try db.execute("DELETE FROM sources WHERE id = ?", [id])
        try db.execute("UPDATE test_sessions SET ended_at = ? WHERE id = ?", [now, id])
        return keys
    }

    static func liveSession(_ db: SQLConnection, id: String) throws -> TestSession? {
        try db.fetchOne("SELECT * FROM test_sessions WHERE id = ? AND ended_at IS NULL", [id]).map { row in
            TestSession(
                id: row["id"], createdAt: row["created_at"], expiresAt: row["expires_at"], requestLimit: row["request_limit"],
                requestCount: row["request_count"],
                response: .init(
                    statusCode: row["response_status"], contentType: row["response_content_type"], body: row["response_body"],
                    headers: objectColumn(row["response_headers"]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }),
                forwardURL: row["forward_url"])
        }
    }

    static let sessionEventsSelect = """
        SELECT events.*, x.response_status AS x_response_status, x.note AS x_note, x.forward_url AS x_forward_url,
            x.forward_status AS x_forward_status, x.forward_latency_ms AS x_forward_latency_ms, x.forward_error AS x_forward_error,
            x.forwarded_at AS x_forwarded_at
        FROM events LEFT JOIN test_session_events x ON x.event_id = events.id
        """

    static func sessionEvent(_ row: SQLRow) -> TestSessionEvent {
        TestSessionEvent(event: storedEvent(row).event, record: testEventRecord(row))
    }

    /// The extras from a row whose `test_session_events` columns are prefixed `x_`.
    private static func testEventRecord(_ row: SQLRow) -> TestEventRecord? {
        guard let status = row["x_response_status"] as Int? else { return nil }
        var forward: TestEventRecord.ForwardResult?
        if let url = row["x_forward_url"] as String?, let at = row["x_forwarded_at"] as Int64? {
            forward = .init(
                url: url, status: row["x_forward_status"], latencyMillis: row["x_forward_latency_ms"] ?? 0, error: row["x_forward_error"],
                forwardedAt: at)
        }
        return TestEventRecord(responseStatus: status, note: row["x_note"], forward: forward)
    }

    private static func headersText(_ headers: [String: String]) -> String {
        var object = JSONObject()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { object[name] = .string(value) }
        return JSON.object(object).serialized()
    }
}

/// A session's events from a snapshot, oldest first.
struct SQLTestSessionExportReader: TestSessionExportReader {
    let snapshot: SQLSnapshot
    let sessionID: String

    func events(afterID: String?, limit: Int) async throws -> [TestSessionEvent] {
        try await snapshot.read { db in
            try db.fetchAll(
                SQLStore.sessionEventsSelect + " WHERE events.source_id = ? AND events.id > ? ORDER BY events.id LIMIT ?",
                [sessionID, afterID ?? "", limit], SQLStore.sessionEvent)
        }
    }
}
