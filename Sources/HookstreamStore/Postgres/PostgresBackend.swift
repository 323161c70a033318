import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// PostgreSQL behind `SQLDatabase`, in the shape of GRDB's pool that the store was written
/// for: one writer session, so a node's write transactions run one at a time as they do on
/// SQLite (ingest's group commit depends on it), and a set of reader sessions whose
/// transactions are repeatable-read snapshots.
///
/// Transaction bodies are synchronous and block a thread per statement, so they run on a
/// thread pool of the backend's own, never on Swift's cooperative threads (two, on a small
/// machine) or on an event loop.
final class PostgresBackend: Sendable {
    let writer: PostgresSessionPool
    let readers: PostgresSessionPool
    private let listener: PostgresListener
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var threads: NIOThreadPool { Self.threads }

    /// The threads every backend's transaction bodies block on, shared by the process (a test
    /// run opens many stores). A body never waits for another body, so when every thread is
    /// busy the next transaction only queues; 64 is well above one node's connections.
    private static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 64)
        pool.start()
        return pool
    }()

    /// - Parameter connections: sessions in all, the writer included (at least 2).
    init(configuration: PostgresConnection.Configuration, connections: Int, logger: Logger) {
        let readerCount = max(1, connections - 1)
        self.configuration = configuration
        self.logger = logger
        writer = PostgresSessionPool(capacity: 1, configuration: configuration, logger: logger)
        readers = PostgresSessionPool(capacity: readerCount, configuration: configuration, logger: logger)
        listener = PostgresListener(configuration: configuration, logger: logger)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        try await transaction(readers, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// A write transaction. Nodes' writers run side by side here, and two transactions that
    /// take the same rows in opposite orders (rollup counters, collection records) can meet in
    /// a deadlock, which PostgreSQL ends by failing one of them: that one is run again, up to
    /// three times. Transaction bodies only read and write the database, so running one again
    /// is safe.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await transaction(writer, "BEGIN", body)
            } catch let error as PostgresStatementError where ["40P01", "40001"].contains(error.sqlState) && tries < 3 {
                tries += 1
                logger.debug("write transaction retried", metadata: ["sqlstate": "\(error.sqlState)", "try": "\(tries)"])
                try await Task.sleep(for: .milliseconds(Int64.random(in: 1...20) * Int64(tries)))
            }
        }
    }

    /// Sends one notification on `channel`, outside any transaction (so at once), from a
    /// reader's session: the writer stays free for ingest.
    func notify(channel: String, payload: String) async throws {
        do {
            try await using(readers) { session in
                _ = try SQLConnection(backing: .postgres(session)).execute("SELECT pg_notify(?, ?)", [channel, payload])
            }
        } catch is PostgresConnectFailure {
            throw StoreError.unavailable
        }
    }

    /// Runs `body` on the writer's session, outside any transaction (migrations, locks).
    func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await using(writer, body)
    }

    /// Borrows a session of `pool` for `body`, on the backend's threads, and gives it back.
    private func using<T: Sendable>(_ pool: PostgresSessionPool, _ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let session = try await pool.acquire()
        do {
            let value = try await threads.runIfActive { try body(session) }
            await pool.release(session)
            return value
        } catch {
            await pool.release(session)
            throw error
        }
    }

    /// A repeatable-read transaction on a connection of its own, open until the snapshot is
    /// dropped: an export reads page after page of one consistent state.
    func snapshot() async throws -> PostgresSnapshot {
        let session = try await PostgresSession.open(configuration, logger: logger)
        do {
            _ = try await threads.runIfActive { try session.run(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) }
        } catch {
            session.close()
            throw error
        }
        return PostgresSnapshot(session: session, threads: threads)
    }

    /// The payloads of `channel`'s notifications, from the node's one listening connection
    /// (`PostgresListener`), until the stream is dropped.
    func notifications(channel: String) -> AsyncStream<String> { listener.follow(channel) }

    func shutdown() async {
        listener.close()
        await writer.close()
        await readers.close()
    }

    private func transaction<T: Sendable>(
        _ pool: PostgresSessionPool, _ begin: String, _ body: @escaping @Sendable (SQLConnection) throws -> T
    ) async throws -> T {
        do {
            return try await using(pool) { session in try session.transaction(begin) { try body(SQLConnection(backing: .postgres(session))) } }
        } catch is PostgresConnectFailure {
            throw StoreError.unavailable
        }
    }
}

/// A read transaction held open across awaits (see `PostgresBackend.snapshot()`); its
/// connection closes when the snapshot goes away.
final class PostgresSnapshot: Sendable {
    private let session: PostgresSession
    private let threads: NIOThreadPool

    init(session: PostgresSession, threads: NIOThreadPool) {
        self.session = session
        self.threads = threads
    }

    deinit { session.close() }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        let session = self.session
        return try await threads.runIfActive { try body(SQLConnection(backing: .postgres(session))) }
    }
}
