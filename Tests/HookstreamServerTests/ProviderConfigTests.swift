import Foundation
import HookstreamDelivery
import HookstreamTesting
import JSONValue
import Synchronization
import Testing

/// The provider settings framework through the API: a type registered for the test (its
/// provider only records what it was given) is validated, sealed, masked, and handed to its
/// provider opened — whatever the type.
@Suite struct ProviderConfigTests {
    /// The settings the recording provider was handed, per delivery.
    final class Received: Sendable {
        let configs = Mutex<[ProviderConfig]>([])
    }

    struct RecordingProvider: DeliveryProvider {
        let received: Received

        func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
            received.configs.withLock { $0.append(runtime.config) }
            return ProviderResult(outcome: .response(statusCode: 200), responseBody: "recorded")
        }
    }

    static let schema = ProviderConfigSchema(
        type: "aws_sqs",
        fields: [
            .url("queue_url", required: true), .string("region", required: true), .string("access_key_id", required: true),
            .secret("secret_access_key"), .string("message_group_id"), .integer("delay_seconds", 0...900, default: 0),
        ],
        check: { config in
            guard config.string("region")?.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) == true else {
                throw ProviderConfigError(field: "region", "'config.region' must look like us-east-1")
            }
        })

    static func start(_ received: Received = Received()) async throws -> TestServer {
        try await TestServer.start { $0.destinationTypes = [DestinationType(schema: schema) { _ in RecordingProvider(received: received) }] }
    }

    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let config: JSON = [
        "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/orders", "region": "us-east-1", "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": .string(secret),
    ]

    @Test func credentialsAreSealedAtRestAndMaskedInEveryResponse() async throws {
        let received = Received()
        let server = try await Self.start(received)
        defer { server.stop() }
        let api = server.client
        // The provider pages' spelling: short type name, settings flat in `config`.
        let created = try await api.post("/v1/destinations", ["name": "Orders", "type": "sqs", "config": Self.config])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["type"] == "aws_sqs")
        #expect(created.json["config"]?["queue_url"] == Self.config["queue_url"])
        #expect(created.json["config"]?["secret_access_key"] == "••••EKEY")
        #expect(created.json["config"]?["delay_seconds"] == 0)
        #expect(created.json["provider_config"]?["secret_access_key"] == "••••EKEY")
        #expect(created.json["url"] == .null)
        let id = try #require(created.json["id"]?.stringValue)

        var shown = [created.text, try await api.get("/v1/destinations/\(id)").text, try await api.get("/v1/destinations").text]
        shown.append(try await api.get("/v1/destinations?type=sqs").text)
        // Update a plain field: the credential stays; send back the mask: it stays too.
        let patched = try await api.patch("/v1/destinations/\(id)", ["config": ["region": "eu-west-1", "secret_access_key": "••••EKEY"]])
        #expect(patched.status == 200, "\(patched.text)")
        #expect(patched.json["config"]?["region"] == "eu-west-1")
        #expect(patched.json["config"]?["queue_url"] == Self.config["queue_url"])
        shown.append(patched.text)
        for text in shown {
            #expect(!text.contains(Self.secret), "a response shows the credential: \(text)")
            #expect(text.contains("••••EKEY"))
        }
        #expect(try await api.get("/v1/destinations?type=sqs").json["destinations"]?.arrayValue?.count == 1)

        // At rest the credential is sealed: no file of the data directory holds it.
        for file in try FileManager.default.subpathsOfDirectory(atPath: server.dataDirectory) {
            guard let bytes = FileManager.default.contents(atPath: server.dataDirectory + "/" + file) else { continue }
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds the credential in clear")
        }

        // The provider is handed the settings opened.
        let source = try #require(try await api.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        #expect(try await api.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(id)]).status == 201)
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["n": 1]).json["event_id"]?.stringValue)
        try await api.eventually("/v1/events/\(event)") { $0["status"] == "delivered" }
        let opened = try #require(received.configs.withLock { $0.last })
        #expect(opened.string("secret_access_key") == Self.secret)
        #expect(opened.string("region") == "eu-west-1")
        #expect(opened.int("delay_seconds") == 0)

        // A new credential replaces the old one.
        let rotated = try await api.patch("/v1/destinations/\(id)", ["provider_config": ["secret_access_key": "rotated-secret-9876"]])
        #expect(rotated.json["config"]?["secret_access_key"] == "••••9876")
        let second = try #require(try await server.anonymous.post("/v1/ingest/\(source)", ["n": 2]).json["event_id"]?.stringValue)
        try await api.eventually("/v1/events/\(second)") { $0["status"] == "delivered" }
        #expect(received.configs.withLock { $0.last?.string("secret_access_key") } == "rotated-secret-9876")
    }

    @Test func bothSpellingsAndBothPlacesAreAccepted() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        let top = try await server.client.post("/v1/destinations", ["name": "A", "type": "aws_sqs", "provider_config": Self.config])
        #expect(top.status == 201, "\(top.text)")
        let nested = try await server.client.post("/v1/destinations", ["name": "B", "type": "SQS", "config": ["provider_config": Self.config, "timeout": 5]])
        #expect(nested.status == 201, "\(nested.text)")
        #expect(nested.json["type"] == "aws_sqs")
        #expect(nested.json["timeout"] == 5)
        #expect(nested.json["config"]?["region"] == "us-east-1")

        // Turning it into an http destination drops the provider settings.
        let id = try #require(nested.json["id"]?.stringValue)
        let http = try await server.client.patch("/v1/destinations/\(id)", ["type": "http", "url": "https://example.com/hook"])
        #expect(http.status == 200, "\(http.text)")
        #expect(http.json["provider_config"] == .null)
        #expect(http.json["config"]?["region"] == nil)
        // And back: the settings must be given again.
        let back = try await server.client.patch("/v1/destinations/\(id)", ["type": "sqs"])
        #expect(back.status == 400)
        #expect(back.json["error"]?.stringValue?.contains("'config.queue_url' is required") == true, "\(back.text)")
        let again = try await server.client.patch("/v1/destinations/\(id)", ["type": "sqs", "config": Self.config])
        #expect(again.status == 200, "\(again.text)")
        #expect(again.json["url"] == .null)
        #expect(again.json["headers"] == [:])
    }

    /// Each registered type's settings schema in /v1/openapi.json names exactly its fields,
    /// so the document cannot drift from what the API accepts.
    @Test func theOpenAPIDocumentDescribesEveryTypesSettings() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let schemas = try await server.anonymous.get("/v1/openapi.json").json["components"]?["schemas"]
        for type in DestinationTypes.registered {
            let documented = schemas?["ProviderConfig_\(type.name)"]?["properties"]?.objectValue.map { Set($0.keys) }
            #expect(documented == Set(type.schema.fieldNames), "ProviderConfig_\(type.name)")
            let listed = schemas?["DestinationConfigInput"]?["anyOf"]?.arrayValue ?? []
            #expect(listed.contains(["$ref": .string("#/components/schemas/ProviderConfig_\(type.name)")]), "\(type.name)")
        }
    }

    @Test func badSettingsAreRefusedNamingTheField() async throws {
        let server = try await Self.start()
        defer { server.stop() }
        func without(_ field: String) -> JSON {
            var object = Self.config.objectValue ?? [:]
            object[field] = nil
            return .object(object)
        }
        func with(_ field: String, _ value: JSON) -> JSON {
            var object = Self.config.objectValue ?? [:]
            object[field] = value
            return .object(object)
        }
        let cases: [(JSON, String)] = [
            (["name": "x", "type": "sqs", "config": without("queue_url")], "'config.queue_url' is required"),
            (["name": "x", "type": "sqs", "config": without("secret_access_key")], "'config.secret_access_key' is required"),
            (["name": "x", "type": "sqs", "config": with("queue_url", "not a url")], "'config.queue_url' must be an absolute http(s) URL"),
            (["name": "x", "type": "sqs", "config": with("region", 5)], "'config.region' must be a non-empty"),
            (["name": "x", "type": "sqs", "config": with("region", "US EAST")], "'config.region' must look like"),
            (["name": "x", "type": "sqs", "config": with("delay_seconds", 901)], "'config.delay_seconds' must be an integer"),
            (["name": "x", "type": "sqs", "config": with("regoin", "us-east-1")], "Unknown field 'config.regoin'"),
            (["name": "x", "type": "sqs", "config": with("queue_url", "http://169.254.169.254/q")], "refused by the outbound policy"),
            (["name": "x", "type": "sqs", "provider_config": "queue"], "'provider_config' must be an object"),
            (["name": "x", "type": "sqs", "url": "https://example.com/", "config": Self.config], "'url' does not apply to an aws_sqs destination"),
            (["name": "x", "type": "sqs", "config": with("headers", ["X-A": "1"])], "'headers' does not apply"),
            (["name": "x", "type": "carrier-pigeon"], "'type' must be one of: http, aws_sqs, websocket"),
            (["name": "x", "type": "kafka"], "Destination type 'kafka' is not available yet; supported types: http, aws_sqs, websocket"),
        ]
        for (body, message) in cases {
            let response = try await server.client.post("/v1/destinations", body)
            #expect(response.status == 400, "\(body)")
            #expect(response.json["error"]?.stringValue?.contains(message) == true, "expected “\(message)”: \(response.text)")
            #expect(response.json["request_id"] != nil)
        }
        #expect(try await server.client.get("/v1/destinations").json["destinations"] == [])
    }
}
