import GRDB

/// Where the store's transactions run: `read` for a consistent snapshot, `write` for the one
/// serialized writer (GRDB's `DatabasePool` model, which the PostgreSQL backend reproduces with
/// one write session and a set of repeatable-read readers).
struct SQLDatabase: Sendable {
    enum Backing: Sendable {
        case grdb(DatabasePool)
        case postgres(PostgresBackend)
    }

    let backing: Backing

    /// Runs `body` in a read-only transaction: every statement sees the same snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        switch backing {
        case .grdb(let pool): try await pool.read { db in try body(SQLConnection(backing: .grdb(db))) }
        case .postgres(let backend): try await backend.read(body)
        }
    }

    /// Runs `body` in a write transaction, committed when it returns and rolled back when it
    /// throws.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        switch backing {
        case .grdb(let pool): try await pool.write { db in try body(SQLConnection(backing: .grdb(db))) }
        case .postgres(let backend): try await backend.write(body)
        }
    }

    /// A read transaction kept open across awaits, for an export that reads one consistent
    /// state page by page while writes go on.
    func snapshot() async throws -> SQLSnapshot {
        switch backing {
        case .grdb(let pool): SQLSnapshot(backing: .grdb(try pool.makeSnapshot()))
        case .postgres(let backend): SQLSnapshot(backing: .postgres(try await backend.snapshot()))
        }
    }
}

/// See `SQLDatabase.snapshot()`; released when the last reference goes.
struct SQLSnapshot: Sendable {
    enum Backing: Sendable {
        case grdb(DatabaseSnapshot)
        case postgres(PostgresSnapshot)
    }

    let backing: Backing

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) throws -> T) async throws -> T {
        switch backing {
        case .grdb(let snapshot): try await snapshot.read { db in try body(SQLConnection(backing: .grdb(db))) }
        case .postgres(let snapshot): try await snapshot.read(body)
        }
    }
}
