import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamTesting
import JSONValue
import Testing

/// `follow_redirects` on real deliveries: the receivers are on loopback; a redirect to a
/// refused place points at a name the fixed resolver maps to the metadata address, or at the
/// address itself, and is refused before anything connects there.
@Suite struct OutboundRedirectTests {
    static let resolver = OutboundPolicyServerTests.FixedResolver(table: ["metadata.test": "169.254.169.254"])

    /// A source connected to a new http destination at `url`; one attempt per event.
    func route(_ server: TestServer, to url: String, follow: Bool?) async throws -> (source: String, destination: String) {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        var config: JSONObject = ["url": .string(url)]
        if let follow { config["follow_redirects"] = .bool(follow) }
        let created = try await server.client.post("/v1/destinations", ["name": "Receiver", "config": .object(config), "retry_max_attempts": 1])
        let destination = try #require(created.json["id"]?.stringValue, "\(created.text)")
        let connection = try await server.client.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        #expect(connection.status == 201, "\(connection.text)")
        return (source, destination)
    }

    /// The event's single attempt, once it has ended.
    func onlyAttempt(_ server: TestServer, source: String, _ body: JSON) async throws -> JSON {
        let event = try #require(try await server.anonymous.post("/v1/ingest/\(source)", body).json["event_id"]?.stringValue)
        let ended = try await server.client.eventually("/v1/delivery-attempts?event_id=\(event)") {
            $0["delivery_attempts"]?[0]?["status"] == "failed" || $0["delivery_attempts"]?[0]?["status"] == "success"
        }
        let id = try #require(ended["delivery_attempts"]?[0]?["id"]?.stringValue)
        return try await server.client.get("/v1/delivery-attempts/\(id)").json
    }

    /// `/old` answers 301 to `/new` (a relative `Location`), `/new` answers 200.
    static func movedReceiver() async throws -> TestReceiver {
        let receiver = try await TestReceiver.start()
        receiver.setDefault(.computed { $0.path == "/old" ? .redirect(to: "/new", status: 301) : .status(200, body: "{\"at\":\"new\"}") })
        return receiver
    }

    @Test func optedInTheWebhookIsResentToWhereTheRedirectPoints() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await Self.movedReceiver()
        defer { receiver.stop() }
        let (source, destination) = try await route(server, to: receiver.url + "/old", follow: true)
        #expect(try await server.client.get("/v1/destinations/\(destination)").json["config"]?["follow_redirects"] == true)

        let attempt = try await onlyAttempt(server, source: source, ["order": 1])
        #expect(attempt["status"] == "success", "\(attempt)")
        #expect(attempt["status_code"] == 200)
        #expect(attempt["response_body"] == "{\"at\":\"new\"}")
        let requests = try await receiver.waitFor(count: 2)
        #expect(requests.map(\.path) == ["/old", "/new"])
        // A 301 keeps the POST and its body: the webhook reaches the new place whole, signed
        // headers and all.
        #expect(try JSON(parsing: requests[1].body) == ["order": 1])
        #expect(requests[1].headers["x-hookstream-event-id"] == requests[0].headers["x-hookstream-event-id"])
    }

    @Test func withoutTheOptInTheRedirectIsTheAttemptsAnswer() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await Self.movedReceiver()
        defer { receiver.stop() }
        let (source, destination) = try await route(server, to: receiver.url + "/old", follow: nil)
        #expect(try await server.client.get("/v1/destinations/\(destination)").json["config"]?["follow_redirects"] == false)

        let attempt = try await onlyAttempt(server, source: source, ["order": 1])
        #expect(attempt["status"] == "failed")
        #expect(attempt["status_code"] == 301)
        #expect(attempt["error_type"] == "http_4xx")
        #expect(receiver.requests.map(\.path) == ["/old"])
    }

    @Test func aRedirectToARefusedAddressIsAFailedAttemptSayingWhy() async throws {
        let server = try await TestServer.start { $0.hostResolver = Self.resolver }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(
            .computed { $0.path == "/by-name" ? .redirect(to: "http://metadata.test/latest/meta-data") : .redirect(to: "http://169.254.169.254/latest") })

        let byName = try await route(server, to: receiver.url + "/by-name", follow: true)
        let refused = try await onlyAttempt(server, source: byName.source, ["n": 1])
        #expect(refused["status"] == "failed")
        let error = refused["error"]?.stringValue ?? ""
        #expect(error.contains("refused by the outbound policy: metadata.test resolves to 169.254.169.254 is a link-local address"), "\(refused)")

        let literal = try await route(server, to: receiver.url + "/literal", follow: true)
        let literalRefused = try await onlyAttempt(server, source: literal.source, ["n": 2])
        #expect(literalRefused["status"] == "failed")
        #expect(literalRefused["error"]?.stringValue?.contains("refused by the outbound policy: 169.254.169.254 is a link-local address") == true, "\(literalRefused)")
        #expect(receiver.requests.map(\.path) == ["/by-name", "/literal"])
    }

    @Test func aRedirectLoopStopsAtTheHopLimit() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.redirect(to: "/loop", status: 308))
        let (source, _) = try await route(server, to: receiver.url + "/loop", follow: true)

        let attempt = try await onlyAttempt(server, source: source, ["n": 1])
        #expect(attempt["status"] == "failed")
        #expect(attempt["error"]?.stringValue?.contains("stopped after \(OutboundHTTPClient.redirectLimit) redirects") == true, "\(attempt)")
        // The first request and one per followed redirect; the next was not sent.
        #expect(receiver.requests.count == OutboundHTTPClient.redirectLimit + 1)
    }

    @Test func followRedirectsIsAnHTTPSettingOnly() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let wrong = try await server.client.post("/v1/destinations", ["name": "x", "url": "http://127.0.0.1:9/", "follow_redirects": "yes"])
        #expect(wrong.status == 400)
        #expect(wrong.json["error"] == "'follow_redirects' must be true or false")
        let socket = try await server.client.post("/v1/destinations", ["name": "ws", "type": "websocket", "config": ["channel_name": "x", "follow_redirects": true]])
        #expect(socket.status == 400)
        #expect(socket.json["error"] == "'follow_redirects' applies to http destinations only")
        let created = try await server.client.post("/v1/destinations", ["name": "x", "url": "http://127.0.0.1:9/", "follow_redirects": true])
        let id = try #require(created.json["id"]?.stringValue, "\(created.text)")
        #expect(created.json["follow_redirects"] == true)
        let patched = try await server.client.patch("/v1/destinations/\(id)", ["config": ["follow_redirects": false]])
        #expect(patched.json["config"]?["follow_redirects"] == false, "\(patched.text)")
    }
}
