import HookstreamCore
import HookstreamStore
import Foundation
import Hummingbird

/// `combinedAuth`: an `X-API-Key` first, then the session cookie. It only establishes who is
/// calling; `RequireIdentityMiddleware` refuses anonymous calls after rate limiting has seen
/// them, so failed logins still count against the caller's IP.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: any Store
    let apiKeys: APIKeyCache
    let usage: APIKeyUsageRecorder
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard PublicPaths.needsIdentity(request.uri.path, routes: routes) else { return try await next(request, context) }
        var context = context
        let credentials = Credentials(store: store, apiKeys: apiKeys, usage: usage)
        if let key = request.headers[.apiKey] {
            context.identity = try await credentials.apiKey(key)
            if context.identity == nil, SessionCookie.token(in: request) == nil {
                throw APIError(.unauthorized, "Invalid API key")
            }
        }
        if context.identity == nil, let token = SessionCookie.token(in: request) {
            context.identity = try await credentials.session(token)
        }
        return try await next(request, context)
    }
}

/// Turns an API key or a session token into who is calling. Shared by the middleware and the
/// WebSocket endpoints, which take the key as a `token` query parameter (a browser cannot
/// set headers on a WebSocket upgrade).
struct Credentials {
    let store: any Store
    let apiKeys: APIKeyCache
    let usage: APIKeyUsageRecorder

    /// The key's identity, counting its use; `nil` for a malformed or unknown key.
    func apiKey(_ key: String) async throws -> Identity? {
        guard APIKey.isWellFormed(key), let record = try await apiKeys.record(hash: APIKey.hash(key)) else { return nil }
        usage.record(keyID: record.id, at: Timestamp.millis(Date()))
        return Identity(tenant: Tenant(organizationID: record.organizationID, environmentID: record.environmentID), credential: .apiKey(record))
    }

    /// The signed-in user of a live session; `nil` when the session is unknown or expired.
    func session(_ token: String) async throws -> Identity? {
        let hash = sha256Hex(token)
        guard let user = try await store.sessionUser(tokenHash: hash, now: Timestamp.millis(Date())) else { return nil }
        return Identity(tenant: Tenant(organizationID: user.organizationID, environmentID: user.environmentID), credential: .session(user, tokenHash: hash))
    }
}

/// Live API keys by hash, so an authenticated request (a publish, above all) does not pay a
/// database read. A revocation through the API empties it on this node at once; another node
/// stops accepting the key within the cache lifetime (5 s).
final class APIKeyCache: Sendable {
    private let cache = ExpiringCache<APIKeyRecord>()
    private let store: any Store

    init(store: any Store) { self.store = store }

    func record(hash: String) async throws -> APIKeyRecord? {
        try await cache.value(for: hash) { [store] in try await store.apiKey(hash: hash) }
    }

    func invalidateAll() {
        cache.removeAll()
    }
}

/// Refuses requests to non-public paths that carry no valid credentials.
struct RequireIdentityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.identity == nil, PublicPaths.needsIdentity(request.uri.path, routes: routes) {
            throw APIError(.unauthorized, "Not authenticated: send an X-API-Key header or sign in")
        }
        return try await next(request, context)
    }
}

/// Paths anyone may call: ingest, test sessions, agent and tools APIs, health, the account
/// entry points, the API description and the metrics scrape.
enum PublicPaths {
    static let prefixes = ["/v1/ingest/", "/v1/test/", "/v1/agent/", ToolsRoutes.prefix]
    static let exact: Set<String> = ["/v1/health", "/v1/auth/signup", "/v1/auth/login", "/v1/auth/logout", "/v1/openapi.json", "/metrics"]

    static func contains(_ path: String) -> Bool {
        exact.contains(path) || prefixes.contains { path.hasPrefix($0) } || !path.hasPrefix("/v1/")
    }

    /// Whether a request must carry credentials: a non-public path the router serves. A path
    /// no route matches is answered 404 for everyone (the router's answer), never 401 —
    /// asking for a key first would tell a caller with a typo in the URL to fix the wrong thing.
    static func needsIdentity(_ path: String, routes: RouteTable) -> Bool {
        !contains(path) && routes.knows(path)
    }
}

enum SessionCookie {
    static let name = "hookstream_session"

    static func token(in request: Request) -> String? {
        guard let cookie = request.cookies[name]?.value, !cookie.isEmpty, cookie.count <= 128 else { return nil }
        return cookie
    }

    static func set(_ token: String, maxAge: Int) -> String {
        "\(name)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
    }

    static let cleared = "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
}
