import GRDB

/// Where the store's transactions run: `read` for a consistent snapshot, `write` for the one
/// serialized writer (GRDB's `DatabasePool` model, which a PostgreSQL backend reproduces with
/// one write connection and a set of repeatable-read readers).
struct SQLDatabase: Sendable {
    enum Backing: Sendable {
        case grdb(DatabasePool)
    }

    let backing: Backing

    /// Runs `body` in a read-only transaction: every statement sees the same snapshot.
    func read<T: Sendable>(_ body: @Sendable (SQLConnection) throws -> T) async throws -> T {
        switch backing {
        case .grdb(let pool): try await pool.read { db in try body(SQLConnection(backing: .grdb(db))) }
        }
    }

    /// Runs `body` in a write transaction, committed when it returns and rolled back when it
    /// throws.
    @discardableResult
    func write<T: Sendable>(_ body: @Sendable (SQLConnection) throws -> T) async throws -> T {
        switch backing {
        case .grdb(let pool): try await pool.write { db in try body(SQLConnection(backing: .grdb(db))) }
        }
    }
}
