public import Logging
public import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// `query`, except that it gives up once the connection has closed or the task is
    /// cancelled, whether the server answered or not. Every statement hookstream sends to a
    /// captured database goes through here (and the tests' statements, which outlive restarts).
    ///
    /// PostgresNIO hands a query to the connection's channel without looking at it: when the
    /// server ended the connection (a restart, a terminated backend) just before, the channel
    /// has already dropped its handlers, and the query's answer is never completed. Awaited
    /// plainly, that wait never ends, and cancelling the task does not end it either: capture
    /// stalled without an error, and `hookstream serve` never finished its graceful shutdown.
    ///
    /// - Throws: ``ChangeCapture/CaptureError/connectionLost`` when the connection closed first,
    ///   `CancellationError` when the task was cancelled first, else what `query` throws.
    public func guardedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        // A task cancelled already (capture stopping) sends nothing more.
        try Task.checkCancellation()
        let answer = Answer()
        let token = CloseWatch.shared.watch(self, answer)
        defer { CloseWatch.shared.unwatch(self, token) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.await(continuation)
                // An abandoned query ends by itself once its connection is closed (or never,
                // when its answer was lost: then only that suspended task is left behind).
                Task {
                    do { answer.finish(.success(try await self.query(query, logger: logger))) } catch { answer.finish(.failure(error)) }
                }
            }
        } onCancel: {
            answer.finish(.failure(CancellationError()))
        }
    }

    /// Runs a statement whose rows are not wanted, and waits for it to finish. `query` returns
    /// as soon as the row description arrives, so an error raised while a `SELECT f(…)` executes
    /// (a slot in use or missing, no free slot) reaches only whoever reads the rows: draining
    /// them here is what makes such a failure throw.
    public func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await guardedQuery(query, logger: logger).collect()
    }
}

/// The first outcome of a guarded query (its answer, the connection closing, cancellation),
/// handed to the one waiting for it; later ones are dropped. The outcome may come before the
/// waiter does (a task cancelled already).
private final class Answer: Sendable {
    private enum State {
        case pending(CheckedContinuation<PostgresRowSequence, any Error>?)
        case done(Result<PostgresRowSequence, any Error>?)
    }

    private let state = Mutex(State.pending(nil))

    func await(_ continuation: CheckedContinuation<PostgresRowSequence, any Error>) {
        let early = state.withLock { state -> Result<PostgresRowSequence, any Error>? in
            switch state {
            case .pending:
                state = .pending(continuation)
                return nil
            case .done(let result):
                state = .done(nil)
                return result
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<PostgresRowSequence, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<PostgresRowSequence, any Error>? in
            guard case .pending(let continuation) = state else { return nil }
            state = .done(continuation == nil ? result : nil)
            return continuation
        }
        waiting?.resume(with: result)
    }
}

/// The guarded queries waiting on each open connection. One callback on a connection's
/// `closeFuture` fails them all when it closes: a callback per query would stay registered
/// until the close, and capture keeps one connection open for days, querying it many times a
/// second. A connection is held here from its first guarded query until it closes.
private final class CloseWatch: Sendable {
    static let shared = CloseWatch()

    private struct Watched {
        let connection: PostgresConnection
        var waiting: [UInt64: Answer] = [:]
    }

    private struct State {
        var nextToken: UInt64 = 0
        var connections: [ObjectIdentifier: Watched] = [:]
    }

    private let state = Mutex(State())

    /// Fails `answer` with ``ChangeCapture/CaptureError/connectionLost`` if `connection` closes
    /// before ``unwatch(_:_:)`` (at once when it is closed already).
    func watch(_ connection: PostgresConnection, _ answer: Answer) -> UInt64 {
        let id = ObjectIdentifier(connection)
        let (token, isNew) = state.withLock { state -> (UInt64, Bool) in
            state.nextToken += 1
            let isNew = state.connections[id] == nil
            state.connections[id, default: Watched(connection: connection)].waiting[state.nextToken] = answer
            return (state.nextToken, isNew)
        }
        if isNew { connection.closeFuture.whenComplete { _ in self.closed(id) } }
        return token
    }

    func unwatch(_ connection: PostgresConnection, _ token: UInt64) {
        state.withLock { _ = $0.connections[ObjectIdentifier(connection)]?.waiting.removeValue(forKey: token) }
    }

    private func closed(_ id: ObjectIdentifier) {
        let waiting = state.withLock { $0.connections.removeValue(forKey: id)?.waiting.values.map { $0 } ?? [] }
        for answer in waiting { answer.finish(.failure(ChangeCapture.CaptureError.connectionLost)) }
    }
}
