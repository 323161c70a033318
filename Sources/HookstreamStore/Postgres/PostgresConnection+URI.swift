public import HookstreamCore
import NIOSSL
public import PostgresNIO

extension PostgresConnection.Configuration {
    /// The settings of a `postgres://` URI: host, port, credentials, database, and `sslmode`
    /// honoured as libpq does: `disable` plain; `allow`/`prefer` TLS when the server offers
    /// it, unverified; `require` TLS, unverified; `verify-ca`/`verify-full` TLS with the
    /// system's trust roots (and the host name, for `verify-full`).
    public init(_ uri: PostgresURI) throws {
        self.init(host: uri.host, port: uri.port, username: uri.username, password: uri.password, database: uri.database, tls: try Self.tls(uri))
        options.connectTimeout = .seconds(10)
    }

    private static func tls(_ uri: PostgresURI) throws -> TLS {
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
