import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamStore
import HookstreamTesting
import JSONValue
import Logging
import PGOutput
import PostgresNIO
import Synchronization
import Testing

/// The capture loop against the PostgreSQL test server, committing into a real SQLite store.
/// Needs HOOKSTREAM_TEST_POSTGRES_URL (scripts/with-services postgres -- …).
@Suite struct ChangeCaptureTests {
    /// A captured database with `orders`, its publication and slot, and a store holding a
    /// database source for it.
    final class Fixture: Sendable {
        let uri: PostgresURI
        let store: SQLStore
        let source: Source
        let capture: CaptureState
        let errors = Log()

        init(uri: PostgresURI, store: SQLStore, source: Source, capture: CaptureState) {
            self.uri = uri
            self.store = store
            self.source = source
            self.capture = capture
        }

        static func make(_ name: String) async throws -> Fixture {
            let uri = try await TestPostgres.createDatabase(name)
            let directory = NSTemporaryDirectory() + "hookstream-cdc-\(UUID().uuidString.prefix(12))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = try SQLStore(path: directory + "/store.sqlite")
            let boot = try await store.bootstrap(bootstrapKey: nil)
            let tenant = Tenant(organizationID: boot.organization.id, environmentID: boot.environment.id)
            let source = Source(id: ResourceID.make(.source), tenant: tenant, name: "Shop DB", slug: "shop-db", createdAt: 0, updatedAt: 0)
            let name = CaptureState.replicationName(sourceID: source.id)
            let capture = CaptureState(sourceID: source.id, sealedConnectionURI: "", tables: ["public.orders"], slotName: name, publicationName: name)
            try await store.createDatabaseSource(source, capture: capture)
            try await TestPostgres.withConnection(uri) { db in
                try await TestPostgres.execute(
                    [
                        "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total numeric(10,2), updated_at timestamptz)",
                        "CREATE PUBLICATION \(name) FOR TABLE orders",
                        "SELECT pg_create_logical_replication_slot('\(name)', 'pgoutput')",
                    ], on: db)
            }
            return Fixture(uri: uri, store: store, source: source, capture: capture)
        }

        /// The loop, committing through the store as the server does (no routes here).
        func capture(commit: ChangeCapture.Commit? = nil) -> ChangeCapture {
            var configuration = ChangeCapture.Configuration()
            configuration.pollInterval = .milliseconds(20)
            configuration.initialBackoff = .milliseconds(50)
            let store = store
            let sourceID = source.id
            let errors = errors
            return ChangeCapture(
                source: source, capture: capture, uri: uri, configuration: configuration, clock: SystemClock(),
                hooks: .init(
                    commit: commit ?? { transactions in try await Fixture.commit(transactions, store: store, sourceID: sourceID) },
                    reportError: { message in errors.withLock { $0.append(message) } }),
                logger: Logger(label: "test.cdc"))
        }

        static func commit(_ transactions: [CaptureBatch.Transaction], store: SQLStore, sourceID: String) async throws -> CaptureCommit {
            let captured = transactions.map { CapturedTransaction(endLSN: $0.endLSN, events: $0.events.map { IncomingEvent(event: $0.event) }) }
            return try await store.commitCapture(captured, sourceID: sourceID)
        }

        func write(_ statements: [String]) async throws {
            try await TestPostgres.withConnection(uri) { db in try await TestPostgres.execute(statements, on: db) }
        }

        func events() async throws -> [JSON] {
            let page = try await store.events(tenant: source.tenant, query: EventQuery(sourceID: source.id, limit: 100))
            return try page.items.reversed().map { stored in
                guard case .inline(let bytes) = stored.event.body else { throw CaptureTestError.blobBody }
                return try JSON(parsing: bytes)
            }
        }

        /// Waits (up to a generous deadline) until `count` events are stored.
        /// Waits up to 90 s: the bound guards against a hang, not a speed (a loaded CI machine
        /// once needed more than 30 s for a capture round retried after a failure).
        func waitForEvents(_ count: Int) async throws -> [JSON] {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                let events = try await events()
                if events.count >= count { return events }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await events()
        }

        func slotConfirmedLSN() async throws -> UInt64? {
            try await TestPostgres.withConnection(uri) { db in
                let rows = try await db.query(
                    "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = \(capture.slotName)", logger: TestPostgres.logger)
                for try await lsn in rows.decode(String.self) { return LSN(lsn)?.value }
                return nil
            }
        }
    }

    enum CaptureTestError: Error { case blobBody }

    @Test func committedChangesBecomeEventsInCommitOrderAndTheSlotAdvances() async throws {
        let f = try await Fixture.make("capture_loop")
        let loop = Task { await f.capture().run() }
        defer { loop.cancel() }
        try await f.write([
            "BEGIN",
            "INSERT INTO orders VALUES (42, 'pending', 99.00, '2026-03-13 10:29:50+00')",
            "INSERT INTO orders VALUES (43, 'pending', 12345678.91, NULL)",
            "COMMIT",
            "UPDATE orders SET status = 'shipped', updated_at = '2026-03-13 10:30:00+00' WHERE id = 42",
            "DELETE FROM orders WHERE id = 43",
        ])
        let events = try await f.waitForEvents(4)
        #expect(events.count == 4)
        #expect(events.map { $0["operation"]?.stringValue } == ["INSERT", "INSERT", "UPDATE", "DELETE"])
        let update = try #require(events.count == 4 ? events[2] : nil)
        #expect(update["source"] == ["database": .string(f.uri.database), "schema": "public", "table": "orders"])
        #expect(update["before"] == ["id": 42])
        #expect(update["after"] == ["id": 42, "status": "shipped", "total": 99, "updated_at": "2026-03-13T10:30:00.000Z"])
        #expect(update["metadata"]?["source_id"]?.stringValue == f.source.id)
        #expect(update["metadata"]?["connector"] == "postgresql")
        #expect(update["metadata"]?["snapshot"] == false)
        #expect(update["metadata"]?["lsn"]?.stringValue.flatMap(LSN.init) != nil)
        #expect(events[3]["before"] == ["id": 43] && events[3]["after"] == .null)
        #expect(events[0]["before"] == .null)
        // The payload's id is the stored event's id, and its timestamp the commit time.
        let stored = try await f.store.events(tenant: f.source.tenant, query: EventQuery(sourceID: f.source.id, limit: 100)).items.map(\.event.id)
        #expect(Set(events.compactMap { $0["id"]?.stringValue }) == Set(stored))
        #expect(events[0]["timestamp"] == events[1]["timestamp"], "one transaction, one commit time")

        // The slot is advanced to what the store confirmed.
        let confirmed = try #require(try await f.store.captureState(sourceID: f.source.id)?.confirmedLSN)
        let deadline = Date().addingTimeInterval(30)
        while try await f.slotConfirmedLSN() != confirmed, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try await f.slotConfirmedLSN() == confirmed)
        #expect(try await f.store.captureState(sourceID: f.source.id)?.changesCaptured == 4)
    }

    @Test func aCrashBetweenTheStoreCommitAndTheSlotAdvanceStoresNothingTwice() async throws {
        let f = try await Fixture.make("capture_crash")
        // The first commit succeeds, a new transaction commits in the database meanwhile, and
        // the round then fails before the slot is advanced: the next round peeks the stored
        // transaction again together with the new one, and must store only the new one.
        let crashed = Log()
        let store = f.store
        let sourceID = f.source.id
        let loop = Task {
            await f.capture(commit: { transactions in
                let result = try await Fixture.commit(transactions, store: store, sourceID: sourceID)
                if crashed.withLock({ $0.isEmpty }) {
                    crashed.withLock { $0.append("crashed") }
                    try await f.write(["INSERT INTO orders VALUES (4, 'd', 4, NULL)"])
                    throw SimulatedCrash()
                }
                return result
            }).run()
        }
        defer { loop.cancel() }
        try await f.write(["INSERT INTO orders VALUES (1, 'a', 1, NULL), (2, 'b', 2, NULL), (3, 'c', 3, NULL)"])
        let events = try await f.waitForEvents(4)
        #expect(events.compactMap { $0["after"]?["id"]?.numberValue } == [1, 2, 3, 4], "every change once, in order")
        #expect(f.errors.withLock { $0.first??.contains("simulated crash") == true }, "the failed round is reported")
        let deadline = Date().addingTimeInterval(30)
        while f.errors.withLock({ $0.last != .some(nil) }), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(f.errors.withLock { $0.last == .some(nil) }, "and cleared once capture works again")
        #expect(try await f.store.captureState(sourceID: f.source.id)?.changesCaptured == 4)
    }

    @Test func aSlotDroppedFromOutsideIsAnErrorNeverASilentRestart() async throws {
        let f = try await Fixture.make("capture_slot_gone")
        try await f.write(["SELECT pg_drop_replication_slot('\(f.capture.slotName)')"])
        let loop = Task { await f.capture().run() }
        defer { loop.cancel() }
        let deadline = Date().addingTimeInterval(30)
        while f.errors.withLock({ $0.isEmpty }), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let message = try #require(f.errors.withLock { $0.first } ?? nil)
        #expect(message.contains("no longer exists") && message.contains(f.capture.slotName))
        // Nothing was re-created behind the user's back.
        #expect(try await f.slotConfirmedLSN() == nil)
    }
}

/// Messages collected from the loop's hooks, which run on its task.
final class Log: Sendable {
    private let state = Mutex<[String?]>([])

    func withLock<T>(_ body: (inout [String?]) -> T) -> T { state.withLock { body(&$0) } }
}

struct SimulatedCrash: Error, CustomStringConvertible {
    var description: String { "simulated crash after the store commit" }
}
