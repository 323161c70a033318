import Crypto
import Foundation
import HookstreamTesting
import JSONValue
import Synchronization
import Testing
import _CryptoExtras

/// A throwaway service account: a fresh RSA key, its key file as the console would download
/// it, with `token_uri` pointing at a ``FakeGoogleTokenEndpoint``.
struct TestServiceAccount {
    let email: String
    let key: _RSA.Signing.PrivateKey
    let tokenURI: String

    init(tokenURI: String, email: String = "hookstream@hookstream-test.iam.gserviceaccount.com") throws {
        self.email = email
        self.tokenURI = tokenURI
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    /// The key file's JSON text.
    var json: String {
        JSON.object([
            "type": "service_account", "project_id": "hookstream-test", "private_key_id": "0123456789abcdef",
            "private_key": .string(key.pkcs8PEMRepresentation), "client_email": .string(email), "client_id": "1234567890",
            "token_uri": .string(tokenURI),
        ]).serialized()
    }

    /// A line from the middle of the private key's PEM: what must never be shown.
    var privateKeyLine: String { key.pkcs8PEMRepresentation.split(separator: "\n")[2].description }
}

/// Google's OAuth token endpoint as a service account sees it: a JWT-bearer grant
/// (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`) whose RS256
/// signature it checks with the account's public key, and whose claims it checks
/// (`iss`/`sub` the account, `aud` this endpoint, the Pub/Sub scope, an expiry at most an hour
/// on). It answers `{"access_token", "expires_in", "token_type"}` or Google's
/// `{"error": "invalid_grant", "error_description": …}`.
final class FakeGoogleTokenEndpoint: Sendable {
    let receiver: TestReceiver
    /// Public keys by account e-mail.
    private let trusted = Mutex<[String: _RSA.Signing.PublicKey]>([:])
    /// The `expires_in` of the tokens it hands out.
    private let lifetime = Mutex(3599)
    private let issued = Mutex<[String]>([])

    var url: String { receiver.url + "/token" }
    /// The tokens handed out, in order.
    var tokens: [String] { issued.withLock { $0 } }

    private init(receiver: TestReceiver) { self.receiver = receiver }

    static func start() async throws -> FakeGoogleTokenEndpoint {
        let endpoint = FakeGoogleTokenEndpoint(receiver: try await TestReceiver.start())
        endpoint.receiver.setDefault(.computed { [weak endpoint] in endpoint?.answer($0) ?? .status(503) })
        return endpoint
    }

    func stop() { receiver.stop() }

    /// An account whose signature this endpoint accepts.
    func trust(_ account: TestServiceAccount) { trusted.withLock { $0[account.email] = account.key.publicKey } }

    /// Tokens handed out from now on expire after `seconds`.
    func issue(lifetime seconds: Int) { lifetime.withLock { $0 = seconds } }

    private static func refuse(_ description: String) -> TestReceiver.Reply {
        .status(400, body: JSON.object(["error": "invalid_grant", "error_description": .string(description)]).serialized())
    }

    private func answer(_ request: TestReceiver.Received) -> TestReceiver.Reply {
        guard request.path == "/token", request.headers["content-type"] == "application/x-www-form-urlencoded" else {
            return .status(400, body: #"{"error":"invalid_request"}"#)
        }
        var form: [String: String] = [:]
        for pair in request.text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let jwt = form["assertion"] else {
            return .status(400, body: #"{"error":"unsupported_grant_type"}"#)
        }
        let segments = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard segments.count == 3, let headerBytes = Self.base64URL(segments[0]), let claimsBytes = Self.base64URL(segments[1]),
            let signature = Self.base64URL(segments[2]), let header = try? JSON(parsing: headerBytes), let claims = try? JSON(parsing: claimsBytes)
        else { return Self.refuse("Invalid JWT.") }
        guard header["alg"] == "RS256", let email = claims["iss"]?.stringValue, let key = trusted.withLock({ $0[email] }) else {
            return Self.refuse("Invalid JWT Signature.")
        }
        let signed = SHA256.hash(data: Array((segments[0] + "." + segments[1]).utf8))
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: signed, padding: .insecurePKCS1v1_5) else {
            return Self.refuse("Invalid JWT Signature.")
        }
        guard claims["iss"] == .string(email), claims["sub"] == .string(email), claims["aud"] == .string(url),
            claims["scope"] == "https://www.googleapis.com/auth/pubsub", case .number(let iat)? = claims["iat"], case .number(let exp)? = claims["exp"],
            exp > iat, exp - iat <= 3600, abs(iat - Date().timeIntervalSince1970) < 600
        else { return Self.refuse("Invalid JWT: claims \(claims)") }
        let token = "ya29.test-" + UUID().uuidString
        issued.withLock { $0.append(token) }
        return .status(200, body: JSON.object(["access_token": .string(token), "expires_in": .number(Double(lifetime.withLock { $0 })), "token_type": "Bearer"]).serialized())
    }

    static func base64URL(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}

/// The Pub/Sub emulator of scripts/services/pubsub, through its REST API: topics,
/// subscriptions, and pulling what arrived.
struct PubSubEmulator {
    let url: String
    static let project = "hookstream-test"

    /// The emulator from `HOOKSTREAM_TEST_PUBSUB_EMULATOR`; a missing variable fails the test
    /// (`scripts/with-services pubsub -- swift test …`).
    static func fromEnvironment() throws -> PubSubEmulator {
        guard let url = ProcessInfo.processInfo.environment["HOOKSTREAM_TEST_PUBSUB_EMULATOR"], !url.isEmpty else {
            Issue.record("HOOKSTREAM_TEST_PUBSUB_EMULATOR is not set: run with scripts/with-services pubsub -- swift test …")
            throw Missing()
        }
        return PubSubEmulator(url: url)
    }

    struct Missing: Error {}

    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSON = [:]) async throws -> JSON {
        let response = try await TestHTTPClient(baseURL: url).request(method, "/v1/projects/\(Self.project)/" + path, json: body)
        #expect(response.status == 200, "\(method) \(path): \(response.text)")
        return response.json
    }

    /// A topic with one subscription to read it.
    func createTopic(_ topic: String, subscription: String) async throws {
        try await call("PUT", "topics/\(topic)")
        try await call("PUT", "subscriptions/\(subscription)", ["topic": .string("projects/\(Self.project)/topics/\(topic)")])
    }

    /// The messages waiting on `subscription` (acknowledged).
    /// The subscription's waiting messages, acknowledged. A `returnImmediately` pull may answer
    /// nothing although messages are there (the emulator, like Pub/Sub, does not promise to
    /// return what it has), so it pulls again until something arrives or 30 s have passed.
    func pull(_ subscription: String) async throws -> [JSON] {
        var received: [JSON] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while received.isEmpty, ContinuousClock.now < deadline {
            let pulled = try await call("POST", "subscriptions/\(subscription):pull", ["maxMessages": 10, "returnImmediately": true])
            received = pulled["receivedMessages"]?.arrayValue ?? []
            if received.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        let acks = received.compactMap { $0["ackId"] }
        if !acks.isEmpty { try await call("POST", "subscriptions/\(subscription):acknowledge", ["ackIds": .array(acks)]) }
        return received.compactMap { $0["message"] }
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
}
