import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `gcp_pubsub` end to end: a real `hookstream serve` signing a service account JWT,
/// exchanging it at ``FakeGoogleTokenEndpoint`` (which checks the signature with the account's
/// public key) and publishing to the Pub/Sub emulator of scripts/services/pubsub, the messages
/// pulled back from a subscription. The emulator ignores credentials, so the bearer token and
/// its caching are checked against a fake publish endpoint too.
@Suite struct PubSubDestinationTests {
    static func settings(topic: String, account: TestServiceAccount, endpoint: String) -> JSON {
        ["project_id": .string(PubSubEmulator.project), "topic_id": .string(topic), "service_account_json": .string(account.json), "endpoint_url": .string(endpoint)]
    }

    @Test func messagesArriveWithDataAndAttributesAndAPublishToAMissingTopicIsRetried() async throws {
        let emulator = try PubSubEmulator.fromEnvironment()
        let tokens = try await FakeGoogleTokenEndpoint.start()
        defer { tokens.stop() }
        let account = try TestServiceAccount(tokenURI: tokens.url)
        tokens.trust(account)
        let (process, api, _) = try await ProviderPipe.serve("pubsub")
        defer { process.kill() }

        // The topic does not exist yet: the first attempt fails with Pub/Sub's own error.
        let topic = PubSubEmulator.unique("orders")
        let (source, destination) = try await ProviderPipe.connect(
            api, type: "pubsub", config: Self.settings(topic: topic, account: account, endpoint: emulator.url),
            extra: ["retry_intervals": [5], "retry_backoff_type": "fixed"])
        let id = try #require(destination["id"]?.stringValue)
        #expect(destination["type"] == "gcp_pubsub")
        let body: JSON = ["order": ["id": "o1", "amount": 4999]]
        let event = try #require(try await TestHTTPClient(baseURL: process.baseURL).post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        let first = try await ProviderPipe.firstFailedAttempt(api, event: event)
        #expect(first["status_code"] == 404, "\(first)")
        #expect(first["error"]?.stringValue?.hasPrefix("Pub/Sub error NOT_FOUND: ") == true, "\(first)")

        // Once the topic exists (with a subscription to read it), the retry publishes. The
        // destination is paused meanwhile: Pub/Sub keeps a message only for subscriptions that
        // existed when it was published, and a retry landing between the topic's creation and
        // its subscription's would be delivered and lost to the test (seen on a loaded machine).
        // Pausing does not stop an attempt already sent, so retries are 5 s apart: the pause
        // lands long before the next one is claimed.
        #expect(try await api.patch("/v1/destinations/\(id)", ["enabled": false]).status == 200)
        let subscription = PubSubEmulator.unique("orders-sub")
        try await emulator.createTopic(topic, subscription: subscription)
        #expect(try await api.patch("/v1/destinations/\(id)", ["enabled": true]).status == 200)
        let delivered = try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        #expect(delivered["status"] == "delivered", "\(delivered)")
        let messages = try await emulator.pull(subscription)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        let data = try #require(Data(base64Encoded: message["data"]?.stringValue ?? ""))
        #expect(try JSON(parsing: Array(data)) == body)
        #expect(message["attributes"]?["event_id"] == .string(event))
        #expect(message["attributes"]?["source_id"] == .string(source))
        #expect(message["attributes"]?["content_type"] == "application/json")

        // The JWT was signed with the account's key (the endpoint checked it), and the
        // publish carried the token it answered: the attempt shows its last four characters.
        let token = try #require(tokens.tokens.last)
        let attempts = try await api.get("/v1/events/\(event)").json["delivery_attempts"]?.arrayValue ?? []
        let success = try #require(attempts.first { $0["status"] == "success" })
        let detail = try await api.get("/v1/delivery-attempts/\(try #require(success["id"]?.stringValue))").json
        #expect(detail["request_headers"]?["Authorization"] == .string("••••" + token.suffix(4)), "\(detail)")
        try await ProviderPipe.expectMasked(
            api, destination: id, event: event, field: "service_account_json", secret: account.json, patch: ["topic_id": .string(topic)])
        for path in ["/v1/destinations/\(id)", "/v1/destinations"] {
            #expect(try await !api.get(path).text.contains(account.privateKeyLine))
        }
    }

    @Test func aTokenIsSentAsBearerAndReusedUntilShortlyBeforeItExpiresAndABadSignatureIsAFailedAttempt() async throws {
        let tokens = try await FakeGoogleTokenEndpoint.start()
        defer { tokens.stop() }
        let account = try TestServiceAccount(tokenURI: tokens.url)
        tokens.trust(account)
        // A publish endpoint that accepts only tokens the endpoint issued.
        let pubsub = try await TestReceiver.start()
        defer { pubsub.stop() }
        pubsub.setDefault(.computed { request in
            guard request.path == "/v1/projects/hookstream-test/topics/cached:publish",
                tokens.tokens.contains(where: { request.headers["authorization"] == "Bearer \($0)" })
            else {
                return .status(401, body: #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#)
            }
            return .status(200, body: #"{"messageIds":["\#(UUID().uuidString)"]}"#)
        })
        let (process, api, _) = try await ProviderPipe.serve("pubsub")
        defer { process.kill() }
        let ingest = TestHTTPClient(baseURL: process.baseURL)
        let (source, _) = try await ProviderPipe.connect(api, type: "gcp_pubsub", config: Self.settings(topic: "cached", account: account, endpoint: pubsub.url))
        for n in 1...2 {
            let event = try #require(try await ingest.post("/v1/ingest/\(source)", ["n": .number(Double(n))]).json["event_id"]?.stringValue)
            let done = try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
            #expect(done["status"] == "delivered", "\(done)")
        }
        // Two deliveries, one token exchange, the same bearer token on both publishes.
        #expect(tokens.tokens.count == 1)
        #expect(pubsub.requests.count == 2)
        #expect(pubsub.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(tokens.tokens[0])" })

        // A token about to expire is renewed before it is used: with a lifetime of 2 s (renewed
        // after 1 s), a delivery made more than a second after the first needs a new exchange.
        let shortLived = try TestServiceAccount(tokenURI: tokens.url, email: "short@hookstream-test.iam.gserviceaccount.com")
        tokens.trust(shortLived)
        tokens.issue(lifetime: 2)
        let (renewing, _) = try await ProviderPipe.connect(api, type: "gcp_pubsub", config: Self.settings(topic: "cached", account: shortLived, endpoint: pubsub.url))
        for n in 1...2 {
            if n == 2 { try await Task.sleep(for: .milliseconds(1500)) }
            let event = try #require(try await ingest.post("/v1/ingest/\(renewing)", ["n": .number(Double(n))]).json["event_id"]?.stringValue)
            try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        }
        #expect(tokens.tokens.count == 3)
        #expect(pubsub.requests.suffix(2).map { $0.headers["authorization"] } == tokens.tokens.suffix(2).map { "Bearer \($0)" })

        // The trusted account's e-mail signed with another key: the endpoint's signature check
        // refuses it, and Google's invalid_grant is the attempt's error.
        let stranger = try TestServiceAccount(tokenURI: tokens.url, email: account.email)
        let (other, _) = try await ProviderPipe.connect(
            api, type: "gcp_pubsub", config: Self.settings(topic: "cached", account: stranger, endpoint: pubsub.url), extra: ["retry_max_attempts": 1])
        let event = try #require(try await ingest.post("/v1/ingest/\(other)", ["n": 3]).json["event_id"]?.stringValue)
        let failed = try await ProviderPipe.firstFailedAttempt(api, event: event)
        #expect(failed["status_code"] == 400, "\(failed)")
        #expect(failed["error"] == .string("Token exchange at \(tokens.url) failed: invalid_grant: Invalid JWT Signature. (HTTP 400)"), "\(failed)")
        #expect(pubsub.requests.count == 4)
    }

    @Test func settingsAreValidatedAndTheCLIShowsTheKeyMasked() async throws {
        let account = try TestServiceAccount(tokenURI: "https://oauth2.googleapis.com/token")
        let (process, api, key) = try await ProviderPipe.serve("pubsub")
        defer { process.kill() }
        var settings = Self.settings(topic: "webhook-events", account: account, endpoint: "http://127.0.0.1:8085").objectValue ?? [:]
        func keyWith(_ change: (inout JSONObject) -> Void) -> JSON {
            var object = (try? JSON(parsing: Array(account.json.utf8)))?.objectValue ?? [:]
            change(&object)
            return .string(JSON.object(object).serialized())
        }
        let cases: [(JSONObject, String)] = [
            (settings.filter { $0.key != "service_account_json" }, "'config.service_account_json' is required"),
            (settings.filter { $0.key != "topic_id" }, "'config.topic_id' is required"),
            (settings.merging(["service_account_json": "not json"]) { $1 }, "must be a service account key (JSON): not a JSON object"),
            (settings.merging(["service_account_json": keyWith { $0["private_key"] = nil }]) { $1 }, "private_key is missing"),
            (settings.merging(["service_account_json": keyWith { $0["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }]) { $1 },
             "private_key is not a PEM RSA private key"),
            (settings.merging(["service_account_json": keyWith { $0["client_email"] = nil }]) { $1 }, "client_email is missing"),
            (settings.merging(["topic_id": "ab"]) { $1 }, "'config.topic_id' must be a Pub/Sub topic name"),
            (settings.merging(["topic_id": "goog-events"]) { $1 }, "'config.topic_id' must be a Pub/Sub topic name"),
            (settings.merging(["project_id": "My Project"]) { $1 }, "'config.project_id' must be a GCP project ID"),
            (settings.merging(["endpoint_url": "grpc://127.0.0.1:8085"]) { $1 }, "'config.endpoint_url' must be an absolute http(s) URL"),
            (settings.merging(["topic": "x"]) { $1 }, "Unknown field 'config.topic'"),
            // A literal address the outbound policy refuses, for the API or the token exchange.
            (settings.merging(["endpoint_url": "http://169.254.169.254"]) { $1 }, "'config.endpoint_url' is refused by the outbound policy"),
            (
                settings.merging(["service_account_json": keyWith { $0["token_uri"] = "http://169.254.169.254/token" }]) { $1 },
                "'config.service_account_json.token_uri' is refused by the outbound policy: 169.254.169.254 is a link-local address"
            ),
        ]
        try await ProviderPipe.expectRefused(api, type: "gcp_pubsub", cases, unquoted: account.privateKeyLine)

        // The key pasted as an object (not a string) is accepted and kept as its JSON text.
        settings["service_account_json"] = try JSON(parsing: Array(account.json.utf8))
        let (id, created, shown) = try await ProviderPipe.createWithCLI(baseURL: process.baseURL, key: key, type: "pubsub", settings: settings)
        #expect(shown.contains("gcp_pubsub"), "\(shown)")
        #expect(shown.contains("••••"), "\(shown)")
        for output in [created, shown] {
            #expect(!output.contains(account.privateKeyLine))
            #expect(!output.contains(account.email))
        }
        let stored = try await api.get("/v1/destinations/\(id)").json["config"]?["service_account_json"]?.stringValue ?? ""
        #expect(stored.hasPrefix("••••") && stored.count == 8, "\(stored)")
    }
}
