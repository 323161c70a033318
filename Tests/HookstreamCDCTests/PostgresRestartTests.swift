import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamTesting
import JSONValue
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The captured database restarted under a running stream, through the real `hookstream serve`,
/// on a PostgreSQL cluster of the test's own (``PrivatePostgres``): the shared test server is
/// never restarted, other suites use it at the same time.
@Suite struct PostgresRestartTests {
    typealias Fixture = DatabaseSourcesAPITests.Fixture

    /// Writes changes to `orders` one statement at a time until stopped, every one with a
    /// unique `status` (`w<n>`, `n` counting from 0) and `amount` `n`: the first `rows` writes
    /// insert rows `0..<rows`, the next ones update row `n % rows`. Database faults do not stop
    /// it: it reconnects and goes on.
    ///
    /// A write whose answer was lost (the server went away during it) may or may not have
    /// committed; the writer is the only one writing, so it reads the row back once connected
    /// again, and writes the same `n` again only when it did not. The committed writes are thus
    /// exactly `0..<committed`.
    final class Writer: Sendable {
        let uri: PostgresURI
        let rows: Int
        private let state = Mutex((committed: 0, stopped: false))

        init(uri: PostgresURI, rows: Int) {
            self.uri = uri
            self.rows = rows
        }

        var committed: Int { state.withLock { $0.committed } }

        func stop() { state.withLock { $0.stopped = true } }

        /// Waits until `count` writes have committed. A machine running the whole suite beside
        /// compilers once took over a minute for the first hundred, so it gets three.
        func waitFor(committed count: Int) async throws {
            let deadline = Date().addingTimeInterval(180)
            while committed < count, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try #require(committed >= count, "the writer committed \(committed) of \(count)")
        }

        /// Runs until ``stop()``; returns how many writes committed.
        func run() async -> Int {
            var db: PostgresConnection?
            var unsure = false
            while !state.withLock({ $0.stopped }) {
                let n = committed
                let row = n % rows
                do {
                    let connection: PostgresConnection
                    if let db { connection = db } else { connection = try await TestPostgres.connect(uri) }
                    db = connection
                    if unsure, try await status(of: row, on: connection) == "w\(n)" {
                        state.withLock { $0.committed += 1 }
                        unsure = false
                        continue
                    }
                    unsure = true
                    let sql =
                        n < rows
                        ? "INSERT INTO orders VALUES (\(row), 'w\(n)', \(n))" : "UPDATE orders SET status = 'w\(n)', amount = \(n) WHERE id = \(row)"
                    try await TestPostgres.execute([sql], on: connection)
                    unsure = false
                    state.withLock { $0.committed += 1 }
                    try await Task.sleep(for: .milliseconds(5))
                } catch {
                    // The server went away. Closing a connection it already ended can wait
                    // forever, so the close is not awaited.
                    if let broken = db { Task { try? await broken.close() } }
                    db = nil
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            if let db { try? await db.close() }
            return committed
        }

        private func status(of row: Int, on db: PostgresConnection) async throws -> String? {
            let rows = try await db.guardedQuery("SELECT status FROM orders WHERE id = \(row)", logger: TestPostgres.logger)
            for try await status in rows.decode(String.self) {
                return status
            }
            return nil
        }
    }

    func captureIssues(_ f: Fixture, _ id: String) async throws -> [JSON] {
        (try await f.api.get("/v1/issues?status=all").json["issues"]?.arrayValue ?? []).filter {
            $0["error_type"] == "capture_error" && $0["source_id"] == .string(id)
        }
    }

    @Test func aRestartAndACrashMidStreamLoseNoChangeAndDoubleNone() async throws {
        try await PrivatePostgres.with { postgres in
            let f = try await Fixture.make("restart_stream", server: postgres.uri)
            defer { f.stop() }
            let id = try await f.createSource(["tables": ["orders"]])
            let rows = 20
            let writer = Writer(uri: f.uri, rows: rows)
            let writing = Task { await writer.run() }
            defer { writer.stop() }

            // A clean restart (sessions ended, the server back at once) while changes stream…
            try await writer.waitFor(committed: 100)
            try await postgres.restart()
            try await writer.waitFor(committed: writer.committed + 100)
            // …from which capture recovers by itself.
            let recovered = try await f.waitForSource(id) { $0["stats"]?["last_error"] == .null }
            #expect(recovered["stats"]?["last_error"] == .null, "\(recovered)")

            // A crash: every server process killed, recovery from the WAL at the next start.
            try await postgres.halt(.immediate)
            let down = try await f.waitForSource(id) { $0["stats"]?["last_error_at"] != .null }
            #expect(down["stats"]?["last_error"]?.stringValue?.isEmpty == false, "the source shows why capture fails: \(down)")
            #expect(try await captureIssues(f, id).contains { $0["status"] == "open" && $0["severity"] == "critical" }, "an issue opens")
            let beforeResume = writer.committed
            try await postgres.resume()
            try await writer.waitFor(committed: beforeResume + 100)
            writer.stop()
            let committed = await writing.value

            // Every committed write exactly once as an event…
            let api = f.api
            func eventTotal() async throws -> Int {
                Int(try await api.get("/v1/events?source_id=\(id)&limit=1").json["pagination"]?["total"]?.numberValue ?? -1)
            }
            let stored = Date().addingTimeInterval(60)
            while try await eventTotal() < committed, Date() < stored { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await eventTotal() == committed, "every committed change exactly once as an event")
            let healed = try await f.waitForSource(id) { $0["stats"]?["last_error"] == .null }
            #expect(healed["stats"]?["changes_captured"]?.numberValue == Double(committed), "\(healed)")
            #expect(healed["stats"]?["last_error"] == .null, "capture works again without intervention: \(healed)")
            #expect(try await captureIssues(f, id).allSatisfy { $0["status"] == "resolved" }, "its issues resolve themselves")

            // …and delivered (one at a time: generous, as a loaded machine is slow), in order
            // per row. An event delivered twice (deliveries are at least once) counts once.
            struct Change {
                var n: Int
                var row: Int
                var operation: String
            }
            func deliveries() -> [String: Change] {
                var seen: [String: Change] = [:]
                for request in f.receiver.requests {
                    guard let body = try? JSON(parsing: request.body), let event = body["id"]?.stringValue,
                        let status = body["after"]?["status"]?.stringValue, let n = Int(status.dropFirst()),
                        let row = body["after"]?["id"]?.numberValue, let operation = body["operation"]?.stringValue
                    else { continue }
                    seen[event] = seen[event] ?? Change(n: n, row: Int(row), operation: operation)
                }
                return seen
            }
            let delivered = Date().addingTimeInterval(180)
            while deliveries().count < committed, Date() < delivered { try await Task.sleep(for: .milliseconds(50)) }
            let changes = deliveries()
            let byWrite = Dictionary(grouping: changes.values, by: \.n)
            #expect(byWrite.count == committed && byWrite.keys.allSatisfy { (0..<committed).contains($0) }, "every committed write, nothing else")
            #expect(byWrite.values.allSatisfy { $0.count == 1 }, "no write became two events")
            #expect(changes.values.allSatisfy { $0.row == $0.n % rows && $0.operation == ($0.n < rows ? "INSERT" : "UPDATE") })
            var order: [String] = []
            for request in f.receiver.requests {
                if let event = (try? JSON(parsing: request.body))?["id"]?.stringValue, !order.contains(event) { order.append(event) }
            }
            for row in 0..<rows {
                let writes = order.compactMap { changes[$0] }.filter { $0.row == row }.map(\.n)
                #expect(writes == writes.sorted(), "row \(row)'s changes in commit order: \(writes)")
            }
        }
    }

    /// `hookstream serve` ends within 30 s of SIGTERM after its captured database restarted
    /// or crashed under a stream of writes, and while it is down. Capture used to wait forever
    /// on a query sent just as the server ended its connection (see `guardedQuery`): it stalled
    /// without an error, and the graceful shutdown never finished. That race is narrow (about
    /// one restart in six), so the restart is repeated.
    @Test func serveStopsPromptlyOnSIGTERMAfterItsDatabaseRestarted() async throws {
        try await PrivatePostgres.with { postgres in
            let f = try await Fixture.make("restart_sigterm", server: postgres.uri)
            defer { f.stop() }
            let id = try await f.createSource(["tables": ["orders"]])
            let writer = Writer(uri: f.uri, rows: 50)
            let writing = Task { await writer.run() }
            defer { writer.stop() }
            var server = f.server
            defer { server.kill() }
            /// SIGTERM; whether the server ended in time.
            func stop(_ when: String) async -> Bool {
                let signalled = Date()
                server.kill(signal: SIGTERM)
                // The hang this guards against is forever; 30 s holds on a loaded machine.
                let status = await server.waitForExit(timeout: 30)
                let seconds = String(format: "%.1f", Date().timeIntervalSince(signalled))
                #expect(status == 0, "\(when): \(status == nil ? "still running" : "ended with \(status ?? 0)") \(seconds) s after SIGTERM")
                return status != nil
            }
            func captured() async throws -> Int {
                let api = TestHTTPClient(baseURL: server.baseURL, apiKey: f.api.apiKey)
                return Int(try await api.get("/v1/sources/\(id)").json["stats"]?["changes_captured"]?.numberValue ?? -1)
            }

            for round in 1...6 {
                try await writer.waitFor(committed: writer.committed + 20)
                if round.isMultiple(of: 2) {
                    try await postgres.halt(.immediate)
                    try await postgres.resume()
                } else {
                    try await postgres.restart()
                }
                // Capture reconnects by itself and catches up with what was written meanwhile.
                let written = writer.committed + 20
                try await writer.waitFor(committed: written)
                let deadline = Date().addingTimeInterval(60)
                while try await captured() < written, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(try await captured() >= written, "round \(round): capture caught up after the restart")
                guard await stop("round \(round)") else { return }
                server = try await ServerProcess.start(dataDirectory: server.dataDirectory, arguments: ["--api-rate-limit", "0"])
            }

            // Down: capture fails and waits to retry.
            try await postgres.halt(.fast)
            let api = TestHTTPClient(baseURL: server.baseURL, apiKey: f.api.apiKey)
            _ = try await f.waitForSource(id, api: api) { $0["stats"]?["last_error_at"] != .null }
            _ = await stop("database down")
            writer.stop()
            _ = await writing.value
        }
    }
}
