public import HookstreamCore
public import Hummingbird
public import NIOCore

/// Per-request state: the request ID every answer carries, the TCP peer, and who is calling.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    /// The TCP peer; `nil` for a Unix socket. Kept as the socket address, because turning it
    /// into text on every request was a measurable share of ingest's CPU time.
    public let peer: IPAddress?
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = ResourceID.random(.request)
        peer = source.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
    }

    /// The authenticated caller; routes behind `RequireIdentityMiddleware` may rely on it.
    public var caller: Identity {
        get throws {
            guard let identity else { throw APIError(.unauthorized, "Not authenticated") }
            return identity
        }
    }
}

/// Who a request acts as: an API key or a signed-in user, always within one org+environment.
public struct Identity: Sendable {
    public enum Credential: Sendable {
        case apiKey(APIKeyRecord)
        case session(User, tokenHash: String)
    }

    public var tenant: Tenant
    public var credential: Credential

    public var user: User? {
        if case .session(let user, _) = credential { return user }
        return nil
    }
}

extension IPAddress {
    /// The address of an IPv4 or IPv6 socket, read from its bytes (no text round trip).
    public init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            self = .v4(UInt32(bigEndian: address.address.sin_addr.s_addr))
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(high: high, low: low)
        case .unixDomainSocket:
            return nil
        }
    }
}
