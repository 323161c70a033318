import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// `hookstream listen` and `hookstream test`: the real executable against a real server, with
/// a local receiver standing in for the developer's app.
@Suite struct ListenCLITests {
    @Test func listenForwardRelaysEachRequestFromTheCLIAndSurvivesAServerRestart() async throws {
        let directory = TemporaryDirectory.make(prefix: "hookstream-listen")
        var server = try await ServerProcess.start(dataDirectory: directory)
        let port = server.port
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let config = TemporaryDirectory.make(prefix: "hookstream-cli")
        let listen = try await CLIProcess.start(
            ["listen", "--json", "--forward", receiver.url + "/webhooks", "--base-url", server.baseURL], environment: ["XDG_CONFIG_HOME": config])
        let header = try JSON(parsing: Array(try await listen.line(0).utf8))
        let url = try #require(header["listening"]?.stringValue)
        let sessionID = try #require(header["source_id"]?.stringValue)
        #expect(header["test_session"] == true)
        #expect(url == server.baseURL + "/v1/ingest/" + sessionID)

        // The feed is up once the CLI printed its header; a request sent a moment before the
        // subscription would be stored but not streamed, so send until one comes through.
        let anon = TestHTTPClient(baseURL: server.baseURL)
        let body = Array("{ \"type\" : \"checkout.session.completed\",\n  \"amount\": 1.50 }".utf8)
        var sentID: String?
        var line: JSON = .null
        for attempt in 0..<20 where sentID == nil {
            let sent = try await anon.request(
                "POST", "/v1/ingest/\(sessionID)?attempt=\(attempt)", body: body,
                headers: [("Content-Type", "application/json"), ("Stripe-Signature", "t=1,v1=abc")])
            #expect(sent.status == 200)
            if let printed = try? await listen.line(1, timeout: .seconds(2)) {
                line = try JSON(parsing: Array(printed.utf8))
                sentID = line["event_id"]?.stringValue
            }
        }
        let forwarded = try await receiver.waitFor(count: 1)[0]
        // Relayed from the CLI's machine with the exact bytes and the provider's headers.
        #expect(forwarded.body == body)
        #expect(forwarded.path == "/webhooks")
        #expect(forwarded.headers["stripe-signature"] == "t=1,v1=abc")
        #expect(forwarded.headers["x-hookstream-event-id"] == sentID)
        #expect(line["method"] == "POST")
        #expect(line["path"]?.stringValue?.hasPrefix("/v1/ingest/\(sessionID)?attempt=") == true)
        #expect(line["forward"]?["status"] == 200)
        #expect(line["forward"]?["latency_ms"]?.numberValue != nil)

        // The server goes away and comes back on the same port: the CLI reconnects.
        server.kill(signal: SIGTERM)
        _ = await server.waitForExit()
        server = try await ServerProcess.start(dataDirectory: directory, port: port)
        defer { server.kill() }
        receiver.setDefault(.status(503))
        var relayed: JSON = .null
        let deadline = ContinuousClock.now + .seconds(30)
        while relayed == .null, ContinuousClock.now < deadline {
            _ = try await anon.request("POST", "/v1/ingest/\(sessionID)?after=restart", json: ["after": "restart"])
            let lines = listen.stdoutLines
            if let last = lines.last(where: { $0.contains("after=restart") }) { relayed = try JSON(parsing: Array(last.utf8)) }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(relayed["forward"]?["status"] == 503, "stdout: \(listen.stdoutLines) stderr: \(listen.stderr)")
        #expect(listen.stderr.contains("Connection lost"))

        // Ctrl-C: a clean exit.
        listen.signal(SIGINT)
        #expect(await listen.waitForExit() == 0)
        #expect(listen.stderr.contains("Stopped listening."))
    }

    @Test func listenPrintsMethodPathAndForwardStatusPerLine() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let session = try await TestSessionsTests.create(server)
        let listen = try await CLIProcess.start(
            ["listen", "--source", session.id, "--forward", "http://127.0.0.1:1/unreachable", "--base-url", server.baseURL],
            environment: ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")])
        #expect(try await listen.line(0) == "Listening on \(server.baseURL)/v1/ingest/\(session.id)")
        var printed: String?
        for _ in 0..<20 where printed == nil {
            _ = try await server.anonymous.request("DELETE", session.ingest)
            printed = try? await listen.line(4, timeout: .seconds(2))
        }
        let line = try #require(printed, "stdout: \(listen.stdoutLines)")
        #expect(line.contains("DELETE /v1/ingest/\(session.id)"))
        #expect(line.contains("→ failed:"), "\(line)")
        listen.signal(SIGINT)
        #expect(await listen.waitForExit() == 0)
    }

    /// Claimed while `listen` follows it: the CLI says why the feed ended and exits non-zero,
    /// rather than reconnecting to a session that no longer exists.
    @Test func listenStopsWithTheReasonWhenTheSessionIsClaimed() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let session = try await TestSessionsTests.create(server)
        let listen = try await CLIProcess.start(
            ["listen", "--json", "--source", session.id, "--base-url", server.baseURL],
            environment: ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")])
        _ = try await listen.line(0)
        // Followed once a request comes through.
        var printed: String?
        for _ in 0..<20 where printed == nil {
            _ = try await server.anonymous.request("POST", session.ingest, json: ["n": 1])
            printed = try? await listen.line(1, timeout: .seconds(2))
        }
        #expect(printed != nil, "stdout: \(listen.stdoutLines)")
        let owner = try await server.newTenantKey()
        #expect(try await owner.request("POST", session.path + "/claim").status == 200)
        let status = await listen.waitForExit()
        #expect(status != nil && status != 0)
        #expect(listen.stderr.contains("claimed"), "\(listen.stderr)")
        #expect(listen.stderr.contains("--source \(session.id)"), "\(listen.stderr)")
        #expect(!listen.stderr.contains("reconnecting"), "\(listen.stderr)")
    }

    @Test func testSendsAnEventToASourceOrANewSession() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let session = try await TestSessionsTests.create(server)
        let sent = try await CLIRun.run(
            ["test", session.id, "--json", "--method", "PUT", "--payload", #"{"update":true}"#, "-H", "X-Custom:value", "--base-url", server.baseURL],
            environment: env)
        #expect(sent.status == 0, "\(sent.stderr)")
        let result = try JSON(parsing: Array(sent.stdout.utf8))
        #expect(result["status_code"] == 200)
        let eventID = try #require(result["response"]?["event_id"]?.stringValue)
        let event = try await server.anonymous.get(session.path + "/events/" + eventID).json
        #expect(event["method"] == "PUT")
        #expect(event["headers"]?["x-custom"] == "value")
        #expect(event["payload"]?["update"] == true)

        let file = TemporaryDirectory.make(prefix: "hookstream-payload") + "/payload.json"
        try Data(#"{"from":"file"}"#.utf8).write(to: URL(fileURLWithPath: file))
        let fresh = try await CLIRun.run(["test", "--file", file, "--base-url", server.baseURL], environment: env)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("Created test session src_"))
        #expect(fresh.stdout.contains("event_id: evt_"))

        // A refusal is a non-zero exit.
        _ = try await server.anonymous.patch(session.path + "/response", ["status_code": 500])
        #expect(try await CLIRun.run(["test", session.id, "--base-url", server.baseURL], environment: env).status != 0)
        #expect(try await CLIRun.run(["test", session.id, "-H", "nocolon", "--base-url", server.baseURL], environment: env).status != 0)
    }
}
