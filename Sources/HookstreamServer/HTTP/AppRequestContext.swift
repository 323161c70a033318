import HookstreamCore
public import Hummingbird
import NIOCore

/// Per-request state: the request ID every answer carries, the TCP peer, and who is calling.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public let peerAddress: String?
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = ResourceID.random(.request)
        peerAddress = source.channel.remoteAddress?.ipAddress
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
