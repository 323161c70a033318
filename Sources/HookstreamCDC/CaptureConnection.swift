public import HookstreamCore
import Logging
import HookstreamStore
public import PostgresNIO

/// Connections to a captured database, made from the source's connection URI.
public enum CaptureConnection {
    /// Opens a connection with the session settings the pgoutput text values are read in
    /// (`PGValueMapping`): ISO dates in UTC, hex bytea, shortest exact floats.
    ///
    /// `sslmode` is honoured as libpq does (`PostgresConnection.Configuration.init(_:)`).
    public static func open(_ uri: PostgresURI, logger: Logger) async throws -> PostgresConnection {
        let configuration = try PostgresConnection.Configuration(uri)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            for setting in sessionSettings { try await connection.perform(PostgresQuery(unsafeSQL: setting), logger: logger) }
        } catch {
            release(connection)
            throw error
        }
        return connection
    }

    /// Closes a connection without waiting for it. Awaiting `close()` of a connection the
    /// server already ended (a terminated backend, a restart) can wait forever, which would
    /// stall a capture loop that only wants to reconnect; the close runs on its own task.
    public static func release(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        Task { try? await connection.close() }
    }

    static let sessionSettings = [
        "SET DateStyle = 'ISO'", "SET TimeZone = 'UTC'", "SET bytea_output = 'hex'", "SET extra_float_digits = 1",
        "SET IntervalStyle = 'postgres'",
    ]
}
