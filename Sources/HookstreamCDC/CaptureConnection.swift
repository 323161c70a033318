public import HookstreamCore
import Logging
import NIOSSL
public import PostgresNIO

/// Connections to a captured database, made from the source's connection URI.
public enum CaptureConnection {
    /// Opens a connection with the session settings the pgoutput text values are read in
    /// (`PGValueMapping`): ISO dates in UTC, hex bytea, shortest exact floats.
    ///
    /// `sslmode` is honoured as libpq does: `disable` plain; `allow`/`prefer` TLS when the
    /// server offers it, unverified; `require` TLS, unverified; `verify-ca`/`verify-full` TLS
    /// with the system's trust roots (and the host name, for `verify-full`).
    public static func open(_ uri: PostgresURI, logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: uri.host, port: uri.port, username: uri.username, password: uri.password, database: uri.database, tls: try tls(uri))
        configuration.options.connectTimeout = .seconds(10)
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

    private static func tls(_ uri: PostgresURI) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch uri.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: tls))
        case .require:
            tls.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: tls))
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: tls))
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(try NIOSSLContext(configuration: tls))
        }
    }
}
