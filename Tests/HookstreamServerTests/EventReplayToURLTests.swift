import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream events replay <evt> --to <url>` and the raw body it re-sends.
@Suite struct EventReplayToURLTests {
    /// Whitespace and key order a signature was computed over, which a re-serialized copy loses.
    static let body = Array(#"{ "type":"charge.succeeded",  "data": {"amount": 1999, "id":"ch_1"} }"#.utf8)

    func ingest(_ server: TestServer) async throws -> String {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Stripe"]).json["id"]?.stringValue)
        let response = try await server.anonymous.request(
            "POST", "/v1/ingest/\(source)", body: Self.body,
            headers: [("Content-Type", "application/json"), ("Stripe-Signature", "t=1,v1=abc"), ("X-Trace", "one")])
        return try #require(response.json["event_id"]?.stringValue, "\(response.text)")
    }

    @Test func theRawBodyEndpointReturnsTheBytesAsTheyArrived() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let id = try await ingest(server)
        let raw = try await server.client.get("/v1/events/\(id)/body")
        #expect(raw.status == 200)
        #expect(raw.body == Self.body)
        #expect(raw.header("content-type") == "application/json")
        let missing = try await server.client.get("/v1/events/evt_missing/body")
        #expect(missing.status == 404)
        #expect(try await server.anonymous.get("/v1/events/\(id)/body").status == 401)
    }

    @Test func replaysTheStoredRequestToAURLAndPrintsTheAnswer() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let id = try await ingest(server)

        receiver.reply([.status(202, body: #"{"handled":true}"#)])
        let run = try await CLIRun.run(["events", "replay", id, "--to", receiver.url + "/webhook"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("POST \(receiver.url)/webhook → 202 Accepted in"), "\(run.stdout)")
        #expect(run.stdout.contains(#"{"handled":true}"#))
        let received = try #require(receiver.requests.first)
        #expect(received.body == Self.body)
        #expect(received.path == "/webhook")
        #expect(received.headers["stripe-signature"] == "t=1,v1=abc")
        #expect(received.headers["x-trace"] == "one")
        #expect(received.headers["content-type"] == "application/json")

        // A receiver that does not accept it fails the command; --json gives the whole answer.
        receiver.reply([.status(500, body: "boom")])
        let failed = try await CLIRun.run(["--json", "events", "replay", id, "--to", receiver.url + "/webhook"], environment: env)
        #expect(failed.status == 1)
        let answer = try JSON(parsing: failed.stdout)
        #expect(answer["status_code"] == 500)
        #expect(answer["response_body"] == "boom")
        #expect(answer["method"] == "POST")
        #expect(receiver.requests.count == 2)
    }

    @Test func refusesWhatTheOutboundPolicyRefuses() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["HOOKSTREAM_API_KEY": server.adminKey, "HOOKSTREAM_BASE_URL": server.baseURL, "XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let id = try await ingest(server)
        let run = try await CLIRun.run(["events", "replay", id, "--to", "http://169.254.169.254/latest/meta-data"], environment: env)
        #expect(run.status == 1)
        #expect(run.stderr.contains("refused by the outbound policy: 169.254.169.254 is a link-local address"), "\(run.stderr)")
        let unknown = try await CLIRun.run(["events", "replay", "evt_nope", "--to", "http://127.0.0.1:9/"], environment: env)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("not found"), "\(unknown.stderr)")
    }
}
