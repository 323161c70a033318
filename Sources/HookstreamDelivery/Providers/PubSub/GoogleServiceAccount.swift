import Crypto
import Foundation
import HookstreamCore
import JSONValue
import _CryptoExtras

/// A Google service account key (the JSON file the console downloads), and the signed JWT
/// (RFC 7523) it exchanges for an access token: RS256 by swift-crypto's RSA.
struct GoogleServiceAccount: Sendable {
    let clientEmail: String
    let privateKeyID: String?
    let privateKey: _RSA.Signing.PrivateKey
    /// Where the JWT is exchanged: the key's `token_uri`, Google's endpoint when it has none.
    let tokenURI: String

    static let googleTokenURI = "https://oauth2.googleapis.com/token"

    /// Reads a key, refusing one that cannot sign (the message names what is wrong, never a
    /// value from the key).
    init(json text: String) throws {
        func refused(_ why: String) -> ProviderConfigError {
            ProviderConfigError(field: "service_account_json", "'config.service_account_json' must be a service account key (JSON): \(why)")
        }
        guard case .object(let key)? = try? JSON(parsing: Array(text.utf8)) else { throw refused("not a JSON object") }
        if let type = key["type"], type != "service_account" { throw refused("its type is not \"service_account\"") }
        guard let email = key["client_email"]?.stringValue, email.contains("@") else { throw refused("client_email is missing") }
        guard let pem = key["private_key"]?.stringValue else { throw refused("private_key is missing") }
        guard let privateKey = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else {
            throw refused("private_key is not a PEM RSA private key of 2048 bits or more")
        }
        let tokenURI = key["token_uri"]?.stringValue ?? Self.googleTokenURI
        guard OutboundURLShape.isAbsoluteHTTP(tokenURI) else { throw refused("token_uri is not an absolute http(s) URL") }
        clientEmail = email
        privateKeyID = key["private_key_id"]?.stringValue
        self.privateKey = privateKey
        self.tokenURI = tokenURI
    }

    /// The JWT asking `tokenURI` for a token with `scope`, valid for an hour from `now`.
    func assertion(scope: String, now: Date) throws -> String {
        var header: JSONObject = ["alg": "RS256", "typ": "JWT"]
        if let privateKeyID { header["kid"] = .string(privateKeyID) }
        let issued = Int(now.timeIntervalSince1970)
        let claims: JSON = [
            "iss": .string(clientEmail), "sub": .string(clientEmail), "scope": .string(scope), "aud": .string(tokenURI),
            "iat": .number(Double(issued)), "exp": .number(Double(issued + 3600)),
        ]
        let signingInput = Self.base64URL(JSON.object(header).serializedBytes()) + "." + Self.base64URL(claims.serializedBytes())
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
    }

    /// Base64url without padding (RFC 7515).
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Access tokens per service account key, kept until shortly before they expire: one token
/// exchange per key and hour rather than one per delivery. Deliveries that find no token at
/// the same moment share one exchange.
actor GoogleAccessTokens {
    private struct Cached {
        var token: String
        var renewAfter: Date
    }

    private var cached: [String: Cached] = [:]
    private var pending: [String: Task<Result<(token: String, lifetime: TimeInterval), ProviderFailure>, Never>] = [:]

    /// A failed exchange, as the attempt records it.
    struct ProviderFailure: Error {
        var result: ProviderResult
    }

    /// A token for the key `keyJSON` with `scope`, from the cache or a new exchange.
    func token(keyJSON: String, scope: String, http: ServiceHTTP, timeout: Double, now: Date) async -> Result<String, ProviderFailure> {
        let id = SHA256.hash(data: Array((scope + "\n" + keyJSON).utf8)).map { String(format: "%02x", $0) }.joined()
        if let hit = cached[id], hit.renewAfter > now { return .success(hit.token) }
        if let running = pending[id] { return await running.value.map { $0.token } }
        let exchange = Task { await Self.exchange(keyJSON: keyJSON, scope: scope, http: http, timeout: timeout, now: now) }
        pending[id] = exchange
        let outcome = await exchange.value
        pending[id] = nil
        if case .success(let fresh) = outcome {
            // Renewed five minutes early (half the lifetime for short-lived ones), so a token
            // never expires in flight. Tokens of rotated keys go when they would be renewed.
            cached = cached.filter { $0.value.renewAfter > now }
            cached[id] = Cached(token: fresh.token, renewAfter: now.addingTimeInterval(fresh.lifetime - min(300, fresh.lifetime / 2)))
        }
        return outcome.map { $0.token }
    }

    /// The JWT-bearer grant at the key's token endpoint: the token and its lifetime in seconds.
    private static func exchange(
        keyJSON: String, scope: String, http: ServiceHTTP, timeout: Double, now: Date
    ) async -> Result<(token: String, lifetime: TimeInterval), ProviderFailure> {
        let account: GoogleServiceAccount
        let assertion: String
        do {
            account = try GoogleServiceAccount(json: keyJSON)
            assertion = try account.assertion(scope: scope, now: now)
        } catch {
            return .failure(ProviderFailure(result: ServiceHTTP.incomplete(error)))
        }
        let request = ServiceHTTP.Request(
            method: "POST", url: account.tokenURI, headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)".utf8))
        let what = "Token exchange at \(account.tokenURI) failed"
        switch await http.exchange(request, timeout: timeout) {
        case .failed(var result):
            result.error = "\(what): \(result.error ?? "no answer")"
            return .failure(ProviderFailure(result: result))
        case .answered(let answer, let shown):
            guard answer.isSuccess else {
                // `{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}`
                let code = answer.json?["error"]?.stringValue ?? "HTTP \(answer.status)"
                let description = answer.json?["error_description"]?.stringValue ?? String(answer.text.prefix(200))
                return .failure(ProviderFailure(result: ServiceHTTP.result(answer, shown: shown, error: "\(what): \(code): \(description) (HTTP \(answer.status))")))
            }
            guard let token = answer.json?["access_token"]?.stringValue, !token.isEmpty else {
                return .failure(
                    ProviderFailure(
                        result: ServiceHTTP.result(answer, shown: shown, outcome: .rejected(statusCode: answer.status), error: "\(what): the answer has no access_token")))
            }
            let lifetime: TimeInterval = if case .number(let seconds)? = answer.json?["expires_in"], seconds > 0 { seconds } else { 3600 }
            return .success((token: token, lifetime: lifetime))
        }
    }
}
