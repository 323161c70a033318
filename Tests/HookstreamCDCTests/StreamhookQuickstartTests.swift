import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import PostgresNIO
import Testing

/// The streamhook developer page's quickstart, verbatim but for the host: create the source,
/// add a destination with `url`, `secret` and `headers`, change rows, and the page's own
/// receiver (node, its `verifySignature` exactly as printed) accepts every delivery.
@Suite struct StreamhookQuickstartTests {
    /// The page's receiver, with `express.json()` done by hand (`JSON.parse` of the body).
    /// Every request is logged as a JSON line: whether the page's check passed, the headers,
    /// the parsed event, and whether re-serializing it gives back the exact bytes received.
    static let receiverScript = #"""
        const http = require('http');
        const crypto = require('crypto');
        const fs = require('fs');
        const out = process.argv[2];

        function verifySignature(payload, signature, secret) {
          const expected = crypto
            .createHmac('sha256', secret)
            .update(JSON.stringify(payload))
            .digest('hex');

          return crypto.timingSafeEqual(
            Buffer.from(signature),
            Buffer.from(`sha256=${expected}`)
          );
        }

        const server = http.createServer((req, res) => {
          const chunks = [];
          req.on('data', (c) => chunks.push(c));
          req.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let event = null, verified = false, error = null;
            try {
              event = JSON.parse(raw);
              verified = verifySignature(event, req.headers['x-streamhook-signature'] || '', process.env.WEBHOOK_SECRET);
            } catch (e) { error = String(e); }
            fs.appendFileSync(out, JSON.stringify({
              path: req.url, verified, error, headers: req.headers, event,
              reserialized_equal: event !== null && JSON.stringify(event) === raw,
            }) + '\n');
            if (req.url !== '/webhooks/streamhook' || !verified) { res.writeHead(401); res.end('Invalid signature'); return; }
            res.writeHead(200); res.end('ok');
          });
        });
        server.listen(0, '127.0.0.1', () => console.log(server.address().port));
        """#

    final class NodeReceiver: Sendable {
        let process: ChildProcess
        let log: String
        let url: String

        init(secret: String) async throws {
            let directory = TemporaryDirectory.make(prefix: "streamhook-receiver")
            let script = directory + "/receiver.js"
            log = directory + "/received.jsonl"
            try StreamhookQuickstartTests.receiverScript.write(toFile: script, atomically: true, encoding: .utf8)
            FileManager.default.createFile(atPath: log, contents: nil)
            process = try ChildProcess.spawn(
                "/usr/bin/env", ["node", script, log], environment: ProcessInfo.processInfo.environment.merging(["WEBHOOK_SECRET": secret]) { $1 },
                stdout: .pipe)
            let line = String(decoding: process.standardOutput!.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(line) else { throw TestServerError("node receiver did not start: \(line)") }
            url = "http://127.0.0.1:\(port)/webhooks/streamhook"
        }

        func stop() { process.signal(SIGTERM) }

        func received(_ count: Int) async throws -> [JSON] {
            let deadline = Date().addingTimeInterval(30)
            while true {
                let lines = (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n")
                if lines.count >= count || Date() > deadline { return try lines.map { try JSON(parsing: String($0)) } }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// PostgreSQL's errors say what failed only when reflected.
    static func describingErrors(_ body: () async throws -> Void) async throws {
        do { try await body() } catch { throw TestServerError(String(reflecting: error)) }
    }

    @Test func thePagesQuickstartWorksWithOnlyTheHostChanged() async throws {
        let uri = try await TestPostgres.createDatabase("quickstart")
        try await TestPostgres.withConnection(uri) { db in
            try await TestPostgres.execute(
                [
                    """
                    CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(20,2), status text, big bigint, ratio float8,
                      details jsonb, note text, placed_at timestamptz)
                    """,
                    "CREATE TABLE users (id int PRIMARY KEY, email text)",
                    "CREATE TABLE payments (id int PRIMARY KEY, amount numeric)",
                ], on: db)
        }
        let key = APIKey.generate(.live)
        let server = try await ServerProcess.start(
            dataDirectory: TemporaryDirectory.make(prefix: "quickstart"), arguments: ["--bootstrap-key", key, "--api-rate-limit", "0"])
        defer { server.kill() }
        let secret = "whsec_your_signing_secret"
        let receiver = try await NodeReceiver(secret: secret)
        defer { receiver.stop() }
        let api = TestHTTPClient(baseURL: server.baseURL, apiKey: key)

        // Step 2, as printed.
        let source = try await api.post(
            "/v1/sources",
            [
                "name": "Production Postgres", "type": "postgresql", "connection_uri": .string(uri.text),
                "tables": ["orders", "users", "payments"],
            ])
        #expect(source.status == 201, "\(source.text)")
        let sourceID = try #require(source.json["id"]?.stringValue)
        // Step 3, as printed (the URL pointing at the local receiver).
        let destination = try await api.post(
            "/v1/sources/\(sourceID)/destinations",
            ["url": .string(receiver.url), "secret": .string(secret), "headers": ["Authorization": "Bearer your_token"]])
        #expect(destination.status == 201, "\(destination.text)")
        let destinationID = try #require(destination.json["id"]?.stringValue)
        #expect(destinationID.hasPrefix("dst_"))
        #expect(destination.json["secret"]?.stringValue != secret, "the secret is masked")
        #expect(try await api.get("/v1/destinations/\(destinationID)").status == 200, "an ordinary destination")
        let listed = try await api.get("/v1/sources/\(sourceID)/destinations")
        #expect(listed.json["destinations"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [destinationID])

        // Step 4: values JavaScript would mangle or re-serialize differently.
        try await Self.describingErrors {
            try await TestPostgres.withConnection(uri) { db in
                try await TestPostgres.execute(
                [
                    """
                    INSERT INTO orders VALUES (42, 99.00, 'paid', 9007199254740993, 0.1,
                      '{"b": 1.50, "a": [1e2, "x\\u00e9"], "n": null}', 'quote " backslash \\ tab 	 é 😀 
                    line', '2026-03-13 10:30:00.123+00')
                    """,
                    "UPDATE orders SET status = 'shipped', total = 12345678901.10 WHERE id = 42",
                    "INSERT INTO users VALUES (1, 'a@example.com')",
                    "DELETE FROM orders WHERE id = 42",
                ], on: db)
            }
        }
        let received = try await receiver.received(4)
        #expect(received.count == 4)
        for delivery in received {
            #expect(delivery["verified"] == true, "the page's verifySignature: \(delivery)")
            #expect(delivery["reserialized_equal"] == true, "JSON.stringify(JSON.parse(body)) == body: \(delivery)")
            let headers = delivery["headers"] ?? .null
            #expect(headers["user-agent"] == "StreamHook/1.0")
            #expect(headers["content-type"] == "application/json")
            #expect(headers["authorization"] == "Bearer your_token")
            #expect(headers["x-streamhook-event-id"] == delivery["event"]?["id"])
            let sent = Double(headers["x-streamhook-timestamp"]?.stringValue ?? "") ?? 0
            #expect(abs(sent - Date().timeIntervalSince1970) < 120, "Unix seconds")
            #expect(headers["x-streamhook-signature"]?.stringValue?.hasPrefix("sha256=") == true)
        }
        let events = received.map { $0["event"] ?? .null }
        #expect(events.map { $0["operation"] } == ["INSERT", "UPDATE", "INSERT", "DELETE"])
        #expect(events.map { $0["source"]?["table"] } == ["orders", "orders", "users", "orders"])
        let insert = events[0]["after"] ?? .null
        #expect(insert["total"] == 99)
        #expect(insert["big"] == "9007199254740993")
        #expect(insert["details"]?["a"] == [100, "xé"])
        #expect(insert["placed_at"] == "2026-03-13T10:30:00.123Z")
        #expect(events[1]["after"]?["status"] == "shipped")
        #expect(events[3]["before"] == ["id": 42] && events[3]["after"] == .null)
        #expect(events[0]["metadata"]?["connector"] == "postgresql" && events[0]["metadata"]?["snapshot"] == false)

        // Edit and remove through the shortcut.
        let patched = try await api.patch("/v1/sources/\(sourceID)/destinations/\(destinationID)", ["headers": ["Authorization": "Bearer other"]])
        #expect(patched.status == 200, "\(patched.text)")
        try await TestPostgres.withConnection(uri) { db in try await TestPostgres.execute(["INSERT INTO payments VALUES (1, 5)"], on: db) }
        let fifth = try await receiver.received(5)
        #expect(fifth.last?["headers"]?["authorization"] == "Bearer other")
        #expect(fifth.last?["verified"] == true)
        #expect(try await api.delete("/v1/sources/\(sourceID)/destinations/\(destinationID)").status == 200)
        #expect(try await api.get("/v1/sources/\(sourceID)/destinations").json["destinations"] == [])
        #expect(try await api.get("/v1/destinations/\(destinationID)").status == 404)
    }
}
