import Logging
import PostgresNIO
import Synchronization

/// A node's one connection for notifications: every channel somebody follows is `LISTEN`ed on
/// it (delivery wake-ups and the real-time relay share it), and it is opened again, a second
/// later, whenever it is lost. Notifications sent while no connection listens are missed; what
/// follows them has a safety net (the delivery engine's poll) or says so (the relay).
final class PostgresListener: Sendable {
    private struct State {
        var followers: [String: [Int: AsyncStream<String>.Continuation]] = [:]
        var nextID = 0
        var connection: Task<Void, Never>?
    }

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let state = Mutex(State())

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The payloads of `channel`'s notifications until the stream is dropped.
    func follow(_ channel: String) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        let id = state.withLock { s -> Int in
            let id = s.nextID
            s.nextID += 1
            let isNew = s.followers[channel] == nil
            s.followers[channel, default: [:]][id] = continuation
            // A channel the connection does not listen on yet: listen again with it (once at
            // start-up, as the node's services subscribe).
            if isNew { restart(&s) }
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.unfollow(channel, id) }
        return stream
    }

    func close() {
        // Finished outside the lock: finishing calls `onTermination`, which takes it.
        let (task, followers) = state.withLock { s -> (Task<Void, Never>?, [AsyncStream<String>.Continuation]) in
            defer {
                s.followers = [:]
                s.connection = nil
            }
            return (s.connection, s.followers.values.flatMap(\.values))
        }
        task?.cancel()
        for follower in followers { follower.finish() }
    }

    private func unfollow(_ channel: String, _ id: Int) {
        state.withLock { s in
            s.followers[channel]?[id] = nil
            if s.followers[channel]?.isEmpty == true { s.followers[channel] = nil }
            if s.followers.isEmpty {
                s.connection?.cancel()
                s.connection = nil
            }
        }
    }

    private func restart(_ s: inout State) {
        s.connection?.cancel()
        let channels = Array(s.followers.keys)
        s.connection = Task { [weak self] in await self?.listen(on: channels) }
    }

    private func listen(on channels: [String]) async {
        while !Task.isCancelled {
            do {
                let session = try await PostgresSession.open(configuration, logger: logger)
                defer { session.close() }
                // Each channel's listen ends only when the connection does: then all go.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for channel in channels {
                        group.addTask {
                            try await session.connection.listen(on: channel) { notifications in
                                for try await notification in notifications { self.dispatch(channel, notification.payload) }
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch where !Task.isCancelled {
                logger.warning(
                    "listening for database notifications failed; reconnecting",
                    metadata: ["channels": "\(channels)", "error": "\(PostgresConnectFailure(error))"])
            } catch {}
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func dispatch(_ channel: String, _ payload: String) {
        let followers = state.withLock { Array(($0.followers[channel] ?? [:]).values) }
        for follower in followers { follower.yield(payload) }
    }
}
