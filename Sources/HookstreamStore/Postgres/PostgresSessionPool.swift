import DequeModule
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A bounded set of sessions for one kind of transaction (the writer, or the readers): a caller
/// borrows one for a transaction and gives it back. Sessions open on demand up to `capacity`; a
/// session whose connection died is closed on return and a fresh one opened when next needed, so
/// a database restart costs the requests made while it is down (503) and nothing after.
actor PostgresSessionPool {
    private let capacity: Int
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var idle: [PostgresSession] = []
    private var open = 0
    /// Callers waiting for a session; resumed with one, or with nil: "a slot is free, open one".
    private var waiters = Deque<CheckedContinuation<PostgresSession?, Never>>()
    private var nextID = 0
    private var hasConnected = false

    init(capacity: Int, configuration: PostgresConnection.Configuration, logger: Logger) {
        self.capacity = max(1, capacity)
        self.configuration = configuration
        self.logger = logger
    }

    func acquire() async throws -> PostgresSession {
        while let session = idle.popLast() {
            if session.isUsable { return session }
            discard(session)
        }
        if open < capacity {
            open += 1
            return try await connect()
        }
        if let handedOver = await withCheckedContinuation({ waiters.append($0) }) { return handedOver }
        return try await connect()
    }

    func release(_ session: PostgresSession) {
        guard session.isUsable else {
            discard(session)
            return
        }
        if let waiter = waiters.popFirst() {
            waiter.resume(returning: session)
        } else {
            idle.append(session)
        }
    }

    /// Closes every idle session (at shutdown).
    func close() {
        for session in idle { session.close() }
        open -= idle.count
        idle.removeAll()
    }

    private func discard(_ session: PostgresSession) {
        session.close()
        if let waiter = waiters.popFirst() {
            waiter.resume(returning: nil)  // the waiter opens a session in its place
        } else {
            open -= 1
        }
    }

    /// Opens a session for a slot already counted in `open`; gives the slot back on failure.
    private func connect() async throws -> PostgresSession {
        nextID += 1
        do {
            let session = try await PostgresSession.open(configuration, id: nextID, logger: logger)
            hasConnected = true
            return session
        } catch {
            if let waiter = waiters.popFirst() {
                waiter.resume(returning: nil)
            } else {
                open -= 1
            }
            let failure = PostgresConnectFailure(error)
            // A start that cannot connect says why once, in the start error; later a lost
            // database is worth a line per failed reconnect (requests get 503 meanwhile).
            if hasConnected { logger.warning("could not connect to the database", metadata: ["error": "\(failure)"]) }
            throw failure
        }
    }
}

/// Why a connection to the store's database could not be opened, in one line.
public struct PostgresConnectFailure: Error, CustomStringConvertible {
    let underlying: any Error

    init(_ underlying: any Error) { self.underlying = underlying }

    public var description: String {
        if let error = underlying as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            switch error.code {
            case .connectionError: return "cannot connect: \(error.underlying.map { "\($0)" } ?? "connection refused")"
            case .authMechanismRequiresPassword: return "the server asks for a password and the URL has none"
            case .unsupportedAuthMechanism: return "the server asks for an authentication method hookstream does not support"
            default: return "\(error.code)"
            }
        }
        return "\(underlying)"
    }
}
