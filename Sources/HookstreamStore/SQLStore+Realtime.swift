import Foundation
import HookstreamCore

extension Schema {
    /// What one node's real-time hub broadcast and the other nodes read by ID, since a
    /// notification carries IDs, not bodies: a `websocket` destination's deliveries, whose
    /// payload (the transformed body) no other table holds. Rows are kept a few minutes.
    static let realtimePayloads = """
        CREATE TABLE realtime_payloads (
            id TEXT PRIMARY KEY,
            data BLOB NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX realtime_payloads_by_age ON realtime_payloads(created_at);
        """
}

/// The real-time relay between nodes sharing a database (PostgreSQL's `LISTEN/NOTIFY`); on
/// SQLite one node holds every client and none of this is used.
extension SQLStore {
    /// How long a staged payload stays readable: far longer than a notification takes.
    static let realtimePayloadLifetime: Int64 = 5 * 60 * 1000

    /// Sends `payload` to every node listening on `channel`; does nothing on SQLite.
    public func notify(channel: String, payload: String) async throws {
        guard case .postgres(let backend) = database.backing else { return }
        try await backend.notify(channel: channel, payload: payload)
    }

    /// The payloads sent on `channel` by any node (this one included), while the stream is
    /// kept; nil on SQLite. A notification sent while the connection was being re-established
    /// is missed.
    public func notifications(channel: String) -> AsyncStream<String>? {
        guard case .postgres(let backend) = database.backing else { return nil }
        return backend.notifications(channel: channel)
    }

    /// Keeps `data` where other nodes read it by the returned ID, and drops what has outlived
    /// ``realtimePayloadLifetime``.
    public func stageRealtimePayload(_ data: [UInt8], now: Int64) async throws -> String {
        let id = "rtp_" + UUID().uuidString.lowercased()
        try await database.write { db in
            try db.execute("DELETE FROM realtime_payloads WHERE created_at < ?", [now - Self.realtimePayloadLifetime])
            try db.execute("INSERT INTO realtime_payloads (id, data, created_at) VALUES (?, ?, ?)", [id, Data(data), now])
        }
        return id
    }

    public func realtimePayload(id: String) async throws -> [UInt8]? {
        try await database.read { db in
            (try db.fetchValue("SELECT data FROM realtime_payloads WHERE id = ?", [id]) as Data?).map { [UInt8]($0) }
        }
    }
}
