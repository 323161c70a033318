import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One store connection to PostgreSQL, used synchronously.
///
/// The store's transaction bodies are synchronous (see `SQLConnection`), so on PostgreSQL they
/// run on threads of the backend's own pool, and each statement waits there for its answer
/// while the connection's event loop does the I/O. A session runs one statement at a time.
///
/// PostgresNIO never completes a query sent just after the server closed the connection (the
/// channel has already dropped its handlers), so a plain wait could block a thread forever when
/// the database restarts. The session watches its connection's close once, for its whole life,
/// and fails the statement in flight when it comes.
final class PostgresSession: Sendable {
    let connection: PostgresConnection
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var closed = false
        /// A statement failed in a way that leaves the connection unusable for the next one.
        var broken = false
        var inFlight: Answer?
    }

    /// Connects a session of its own (not from a pool).
    static func open(_ configuration: PostgresConnection.Configuration, id: Int = 0, logger: Logger) async throws -> PostgresSession {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger)
        return PostgresSession(connection: connection, logger: logger)
    }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        connection.closeFuture.whenComplete { [weak self] _ in self?.connectionClosed() }
    }

    private func connectionClosed() {
        let waiting = state.withLock { state -> Answer? in
            state.closed = true
            return state.inFlight
        }
        waiting?.finish(.failure(StoreError.unavailable))
    }

    /// A session dropped without `close()` (its store went away) still ends its connection.
    deinit { close() }

    /// False once the connection closed or a statement left it in an unknown state; the pool
    /// then closes it and opens another.
    var isUsable: Bool { state.withLock { !$0.closed && !$0.broken } }

    /// Closes the connection without waiting. The closure keeps the connection alive until it
    /// has closed (PostgresNIO requires that of a connection released from memory).
    func close() {
        let connection = self.connection
        guard !connection.isClosed else { return }
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs one statement (`?` placeholders) and returns its rows and command tag.
    func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let n): bindings.append(n)
            case .double(let d): bindings.append(d)
            case .text(let text): bindings.append(text)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            }
        }
        return try run(PostgresQuery(unsafeSQL: PostgresPlaceholders.numbered(sql), binds: bindings))
    }

    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let answer = Answer()
        let refused = state.withLock { state -> Bool in
            if state.closed { return true }
            state.inFlight = answer
            return false
        }
        if refused { throw StoreError.unavailable }
        defer { state.withLock { $0.inFlight = nil } }
        connection.query(query, logger: logger).whenComplete { answer.finish($0) }
        do {
            return try answer.wait()
        } catch where Self.isConnectionFailure(error) {
            state.withLock { $0.broken = true }
            throw StoreError.unavailable
        } catch {
            throw Self.statementError(error)
        }
    }

    /// Runs `body` between `begin` and COMMIT; a throw rolls back. When the rollback itself
    /// fails the connection is given up.
    func transaction<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        _ = try run(PostgresQuery(unsafeSQL: begin))
        do {
            let value = try body()
            _ = try run(PostgresQuery(unsafeSQL: "COMMIT"))
            return value
        } catch {
            do {
                _ = try run(PostgresQuery(unsafeSQL: "ROLLBACK"))
            } catch {
                state.withLock { $0.broken = true }
            }
            throw error
        }
    }

    /// A statement the server refused, with what it said; anything else as it is. (A lost or
    /// unreachable server is `StoreError.unavailable` instead: 503, retried by clients.)
    static func statementError(_ error: any Error) -> any Error {
        if let error = error as? PSQLError, error.code == .server, let info = error.serverInfo {
            return PostgresStatementError(
                sqlState: info[.sqlState] ?? "", message: info[.message] ?? "", detail: info[.detail], query: error.query?.sql ?? "")
        }
        return error
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let store = error as? StoreError { return store == .unavailable }
        guard let error = error as? PSQLError else { return error is IOError || error is ChannelError }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed: return true
        case .server:
            // Class 57 (operator intervention: shutdown, terminated backend) and 08 (connection).
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57") || state.hasPrefix("08")
        default: return false
        }
    }
}

/// The first outcome of a statement (its answer or its connection closing), waited for by the
/// thread that sent it.
private final class Answer: Sendable {
    private let result = Mutex<Result<PostgresQueryResult, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ outcome: Result<PostgresQueryResult, any Error>) {
        let first = result.withLock { result -> Bool in
            guard result == nil else { return false }
            result = outcome
            return true
        }
        if first { done.signal() }
    }

    func wait() throws -> PostgresQueryResult {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

/// Shared SQL writes `?` placeholders; PostgreSQL numbers them (`$1`, `$2`, …). Quoted text
/// and identifiers are left alone. The rewrite of each distinct statement is kept.
enum PostgresPlaceholders {
    private static let cache = Mutex<[String: String]>([:])

    static func numbered(_ sql: String) -> String {
        if let known = cache.withLock({ $0[sql] }) { return known }
        let rewritten = rewrite(sql)
        cache.withLock { cache in
            // Statements with IN lists of every length are distinct texts: keep the cache bounded.
            if cache.count > 2_000 { cache.removeAll() }
            cache[sql] = rewritten
        }
        return rewritten
    }

    static func rewrite(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// A statement the server refused, with what it said (PostgresNIO's own error hides it behind
/// a generic description, which would leave a log line saying nothing).
struct PostgresStatementError: Error, CustomStringConvertible {
    /// The SQLSTATE code, e.g. `23505` for a unique violation.
    let sqlState: String
    let message: String
    let detail: String?
    let query: String

    var description: String {
        "PostgreSQL \(sqlState): \(message)\(detail.map { " (\($0))" } ?? "") in: \(query)"
    }
}
