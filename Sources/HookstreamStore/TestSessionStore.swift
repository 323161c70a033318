public import HookstreamCore

/// Test sessions (see ``TestSession``): the session row beside its source, the per-event
/// extras (answered status, note, forwarding result), and the lifecycle — create under the
/// per-IP quota, admit each request under the TTL and request limit, claim, delete, purge.
public protocol TestSessionStore: Sendable {
    /// Creates the session and its source in one transaction, unless `creatorIP` already
    /// created `perHourLimit` sessions since `hourAgo` (deleted and claimed ones count too).
    /// - Returns: `false` when the quota refused it (nothing was written).
    func createTestSession(_ session: TestSession, source: Source, creatorIP: String, hourAgo: Int64, perHourLimit: Int) async throws -> Bool
    /// A live (not deleted, not claimed) session, expired or not.
    func testSession(id: String) async throws -> TestSession?
    /// Decides one ingest request with ``TestSession/admission(now:)`` and stores the counted
    /// request in the same transaction, so concurrent requests never overshoot the limit.
    func admitTestRequest(sessionID: String, now: Int64) async throws -> TestSession.Admission
    /// Stores the session's custom response and forwarding URL.
    /// - Throws: ``StoreError/notFound`` when the session is not live.
    func updateTestSession(_ session: TestSession) async throws
    func recordTestEvent(eventID: String, sessionID: String, responseStatus: Int) async throws
    /// - Throws: ``StoreError/notFound`` when the event is not one of the live session's.
    func setTestEventNote(eventID: String, sessionID: String, note: String) async throws
    func recordTestForward(eventID: String, result: TestEventRecord.ForwardResult) async throws
    func testSessionEvent(id: String, sessionID: String) async throws -> TestSessionEvent?
    /// The extras of an event that arrived through a test session, claimed or not (the caller
    /// has already checked the event is its tenant's); `nil` for any other event.
    func testEventRecord(eventID: String) async throws -> TestEventRecord?
    func testSessionEvents(sessionID: String, query: TestEventQuery) async throws -> Page<TestSessionEvent>
    /// Every event of the session, oldest first, from one consistent state of the database.
    func openTestSessionExport(sessionID: String) async throws -> (any TestSessionExportReader)?
    /// Moves the source and its events into `tenant` (same ID, so the same ingest URL) and
    /// ends the session. - Returns: the source as claimed; `nil` when the session is not live.
    func claimTestSession(id: String, tenant: Tenant, now: Int64) async throws -> Source?
    /// Deletes the session's source, events and extras. - Returns: the blob keys of the
    /// deleted bodies, for the caller to remove once the rows are gone; `nil` when not live.
    func deleteTestSession(id: String, now: Int64) async throws -> [String]?
    /// Deletes up to `limit` sessions that expired at or before `expiredBefore` (as
    /// ``deleteTestSession``), and forgets ended sessions once their hour of quota before `now`
    /// has passed.
    /// - Returns: how many were deleted and their bodies' blob keys.
    func purgeExpiredTestSessions(expiredBefore: Int64, now: Int64, limit: Int) async throws -> (deleted: Int, blobKeys: [String])
}

/// An event of a test session with its extras.
public struct TestSessionEvent: Sendable {
    public var event: Event
    public var record: TestEventRecord?

    public init(event: Event, record: TestEventRecord?) {
        self.event = event
        self.record = record
    }
}

/// The agent API's filters of a session's events.
public struct TestEventQuery: Sendable {
    public var method: String?
    /// The hundreds digit of the answered status (`2` for `2xx`).
    public var statusClass: Int?
    /// A substring of the headers or of an inline body.
    public var search: String?
    public var beforeID: String?
    public var limit: Int

    public init(method: String? = nil, statusClass: Int? = nil, search: String? = nil, beforeID: String? = nil, limit: Int = 50) {
        self.method = method
        self.statusClass = statusClass
        self.search = search
        self.beforeID = beforeID
        self.limit = limit
    }
}

/// Pages of a session's events for an export.
public protocol TestSessionExportReader: Sendable {
    func events(afterID: String?, limit: Int) async throws -> [TestSessionEvent]
}
