import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import HummingbirdBcrypt
import JSONValue
import NIOPosix

/// Accounts for the self-hosted server: email + password (bcrypt), a session cookie, and the
/// organization + environment a signup provisions.
struct AuthRoutes {
    let deps: ServerDependencies

    /// bcrypt cost: 2^10 rounds keeps a login near 50-100 ms on a small server.
    static let bcryptCost: UInt8 = 10

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/auth/signup", use: signup)
        router.post("/v1/auth/login", use: login)
        router.post("/v1/auth/logout", use: logout)
        router.get("/v1/auth/me", use: me)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard deps.configuration.allowSignup else { throw APIError(.forbidden, "Signup is disabled on this server") }
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["email", "password", "name"])
        let email = try Self.email(body)
        let password = try Self.password(body)
        let name = try body.string("name", maxLength: 200)
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: Self.bcryptCost) }
        let (user, org, env) = try await deps.store.createAccount(email: email, passwordHash: hash, name: name)
        let cookie = try await startSession(for: user)
        return .json(Self.account(user, org, env), status: .created, headers: [.setCookie: cookie])
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["email", "password"])
        let email = try body.requiredString("email", maxLength: 254).lowercased()
        let password = try body.requiredString("password", maxLength: 200)
        let credentials = try await deps.store.credentials(email: email)
        // Verify against a dummy hash when the account does not exist, so timing does not
        // reveal which emails are registered.
        let storedHash = credentials?.passwordHash ?? Self.dummyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: storedHash) }
        guard let credentials, matches else { throw APIError(.unauthorized, "Invalid email or password") }
        let user = credentials.user
        guard let org = try await deps.store.organization(id: user.organizationID),
            let env = try await deps.store.environment(id: user.environmentID)
        else { throw APIError(.internalServerError, "Account is incomplete") }
        let cookie = try await startSession(for: user)
        return .json(Self.account(user, org, env), headers: [.setCookie: cookie])
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        if let token = SessionCookie.token(in: request) {
            try await deps.store.deleteSession(tokenHash: sha256Hex(token))
        }
        return .json(["success": true], headers: [.setCookie: SessionCookie.cleared])
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        guard let org = try await deps.store.organization(id: identity.tenant.organizationID),
            let env = try await deps.store.environment(id: identity.tenant.environmentID)
        else { throw APIError(.internalServerError, "Account is incomplete") }
        var out = Self.accountObject(identity.user, org, env)
        if case .apiKey(let key) = identity.credential {
            out["api_key"] = ["id": .string(key.id), "name": .string(key.name), "key_prefix": .string(key.keyPrefix)]
        } else {
            out["api_key"] = .null
        }
        return .json(.object(out))
    }

    private func startSession(for user: User) async throws -> String {
        let token = randomToken()
        let lifetime = deps.configuration.sessionLifetimeSeconds
        let expires = Timestamp.millis(Date().addingTimeInterval(lifetime))
        try await deps.store.createSession(tokenHash: sha256Hex(token), userID: user.id, expiresAt: expires)
        return SessionCookie.set(token, maxAge: Int(lifetime))
    }

    static let dummyHash = Bcrypt.hash("hookstream-timing-equaliser", cost: bcryptCost)

    static func email(_ body: JSONBody) throws -> String {
        let email = try body.requiredString("email", maxLength: 254).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.contains(where: { $0.isWhitespace })
        else { throw APIError.badRequest("'email' must be a valid email address") }
        return email
    }

    static func password(_ body: JSONBody) throws -> String {
        guard case .string(let password)? = body.members["password"] else {
            throw APIError.badRequest(body.has("password") ? "'password' must be a string" : "'password' is required")
        }
        // bcrypt reads at most 72 bytes; refuse longer rather than silently ignore the rest.
        guard password.count >= 8, password.utf8.count <= 72 else {
            throw APIError.badRequest("'password' must be 8 to 72 bytes long")
        }
        return password
    }

    static func accountObject(_ user: User?, _ org: Organization, _ env: HookstreamCore.Environment) -> JSONObject {
        [
            "user": user.map { u in
                [
                    "id": .string(u.id), "email": .string(u.email), "name": u.name.map(JSON.string) ?? .null,
                    "created_at": .string(Timestamp.iso(millis: u.createdAt)),
                ]
            } ?? .null,
            "organization": ["id": .string(org.id), "name": .string(org.name), "created_at": .string(Timestamp.iso(millis: org.createdAt))],
            "environment": [
                "id": .string(env.id), "name": .string(env.name), "organization_id": .string(env.organizationID),
                "created_at": .string(Timestamp.iso(millis: env.createdAt)),
            ],
        ]
    }

    static func account(_ user: User, _ org: Organization, _ env: HookstreamCore.Environment) -> JSON { .object(accountObject(user, org, env)) }
}
