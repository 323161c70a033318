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
        let answer = Answer()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.await(continuation)
                // An abandoned query ends by itself once its connection is closed (or never,
                // when its answer was lost: then only that suspended task is left behind).
                Task {
                    do { answer.finish(.success(try await self.query(query, logger: logger))) } catch { answer.finish(.failure(error)) }
                }
                closeFuture.whenComplete { _ in answer.finish(.failure(ChangeCapture.CaptureError.connectionLost)) }
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
