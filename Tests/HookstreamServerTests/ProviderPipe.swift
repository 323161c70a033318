import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// What every provider's end-to-end test does around its service: a source connected to a new
/// destination, and the check that the destination's credential is shown masked wherever the
/// destination or its attempts appear.
enum ProviderPipe {
    /// A `hookstream serve` process with a known admin key: its admin client and the key.
    static func serve(_ name: String) async throws -> (ServerProcess, TestHTTPClient, String) {
        let key = "hs_live_" + String(repeating: "cd", count: 32)
        let process = try await ServerProcess.start(dataDirectory: TemporaryDirectory.make(prefix: "hs-\(name)"), arguments: ["--bootstrap-key", key])
        return (process, TestHTTPClient(baseURL: process.baseURL, apiKey: key), key)
    }

    /// A source connected to a new destination of `type` with `config`.
    static func connect(_ api: TestHTTPClient, type: String, config: JSON, extra: JSONObject = [:]) async throws -> (source: String, destination: JSON) {
        let source = try #require(try await api.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        var body: JSONObject = ["name": .string("\(type)-\(UUID().uuidString.prefix(8))"), "type": .string(type), "config": config]
        for (key, value) in extra { body[key] = value }
        let created = try await api.post("/v1/destinations", .object(body))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        let connection = try await api.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(id)])
        #expect(connection.status == 201, "\(connection.text)")
        return (source, created.json)
    }

    /// `secret` never appears in clear in the destination (get, list, an update's answer with
    /// `patch`), the event or its attempts, whose `Authorization` header is masked; the
    /// destination shows it as its last four characters under `field`.
    static func expectMasked(_ api: TestHTTPClient, destination: String, event: String, field: String, secret: String, patch: JSON) async throws {
        let got = try await api.get("/v1/destinations/\(destination)")
        var shown = [
            got.text, try await api.get("/v1/destinations").text, try await api.patch("/v1/destinations/\(destination)", ["config": patch]).text,
            try await api.get("/v1/events/\(event)").text,
        ]
        let attempts = try await api.get("/v1/events/\(event)").json["delivery_attempts"]?.arrayValue ?? []
        #expect(!attempts.isEmpty)
        for attempt in attempts {
            let detail = try await api.get("/v1/delivery-attempts/\(try #require(attempt["id"]?.stringValue))")
            let authorization = detail.json["request_headers"]?.objectValue?.first { $0.key.lowercased() == "authorization" }?.value
            #expect(authorization?.stringValue?.hasPrefix("••••") == true, "\(detail.text)")
            shown.append(detail.text)
        }
        for text in shown { #expect(!text.contains(secret), "the credential is shown: \(text)") }
        #expect(got.json["config"]?[field] == .string("••••" + secret.suffix(4)), "\(got.text)")
    }

    /// The event's first failed attempt, in full, once there is one.
    static func firstFailedAttempt(_ api: TestHTTPClient, event: String) async throws -> JSON {
        let failed = try await api.eventually("/v1/events/\(event)") {
            $0["delivery_attempts"]?.arrayValue?.contains { $0["status"] == "failed" } == true
        }
        let first = try #require(failed["delivery_attempts"]?.arrayValue?.first { $0["status"] == "failed" })
        return try await api.get("/v1/delivery-attempts/\(try #require(first["id"]?.stringValue))").json
    }

    /// Each config is refused at create with a 400 whose error contains its message (and not
    /// `unquoted`, a credential), and none created a destination.
    static func expectRefused(_ api: TestHTTPClient, type: String, _ cases: [(JSONObject, String)], unquoted: String? = nil) async throws {
        for (config, message) in cases {
            let response = try await api.post("/v1/destinations", ["name": "Refused", "type": .string(type), "config": .object(config)])
            #expect(response.status == 400, "\(config)")
            #expect(response.json["error"]?.stringValue?.contains(message) == true, "expected “\(message)”: \(response.text)")
            if let unquoted { #expect(!response.text.contains(unquoted), "\(response.text)") }
        }
        #expect(try await api.get("/v1/destinations").json["destinations"] == [])
    }

    /// `hookstream destinations create … --type TYPE --config @file --json` with `settings` in
    /// the file, then `hookstream destinations get`: the new destination's ID and what both
    /// printed.
    static func createWithCLI(baseURL: String, key: String, type: String, settings: JSONObject) async throws -> (id: String, created: String, shown: String) {
        let file = TemporaryDirectory.make(prefix: "hs-\(type)-cli") + "/\(type).json"
        try Data(JSON.object(settings).serializedBytes()).write(to: URL(fileURLWithPath: file))
        let env = ["HOOKSTREAM_API_KEY": key, "HOOKSTREAM_BASE_URL": baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let created = try await CLIRun.run(["destinations", "create", "Via CLI", "--type", type, "--config", "@" + file, "--json"], environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(try JSON(parsing: Array(created.stdout.utf8))["id"]?.stringValue)
        let shown = try await CLIRun.run(["destinations", "get", id], environment: env)
        #expect(shown.status == 0, "\(shown.stderr)")
        return (id, created.stdout, shown.stdout)
    }
}
