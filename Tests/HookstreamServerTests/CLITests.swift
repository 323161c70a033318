import Crypto
import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// The real `hookstream` executable against a running server, with its own config directory.
@Suite struct CLITests {
    @Test func loginSourcesEventsAndLogout() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let config = TemporaryDirectory.make(prefix: "hookstream-cli")
        let env = ["XDG_CONFIG_HOME": config]

        let login = try await CLIRun.run(["login", "--api-key", server.adminKey, "--base-url", server.baseURL], environment: env)
        #expect(login.status == 0, "\(login.stderr)")
        let configPath = config + "/hookstream/config.json"
        let attributes = try FileManager.default.attributesOfItem(atPath: configPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let saved = try JSON(parsing: try #require(FileManager.default.contents(atPath: configPath)))
        #expect(saved["api_key"]?.stringValue == server.adminKey)
        #expect(saved["base_url"]?.stringValue == server.baseURL)

        let whoami = try await CLIRun.run(["whoami"], environment: env)
        #expect(whoami.status == 0)
        #expect(whoami.stdout.contains(String(server.adminKey.prefix(12))))

        let created = try await CLIRun.run(["--json", "sources", "create", "CLI Source", "--template", "stripe", "--verification-secret", "whsec_test"], environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let source = try JSON(parsing: created.stdout)
        let id = try #require(source["id"]?.stringValue)
        #expect(source["template"] == "stripe")

        let list = try await CLIRun.run(["sources", "list"], environment: env)
        #expect(list.stdout.contains(id))
        #expect(list.stdout.contains("CLI Source"))
        let get = try await CLIRun.run(["sources", "get", id], environment: env)
        #expect(get.stdout.contains("/v1/ingest/\(id)"))
        let templates = try await CLIRun.run(["sources", "templates"], environment: env)
        #expect(templates.stdout.contains("stripe") && templates.stdout.contains("typeform"))

        // The Stripe template verifies: sign the way Stripe does (t=…,v1=HMAC(secret, "t.body")).
        let payload = #"{"type":"order.created"}"#
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + "." + payload).utf8), using: SymmetricKey(data: Data("whsec_test".utf8)))
        let signature = "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
        let ingest = try await server.anonymous.request(
            "POST", "/v1/ingest/\(id)?x=1", body: Array(payload.utf8), headers: [("Content-Type", "application/json"), ("Stripe-Signature", signature)])
        let eventID = try #require(ingest.json["event_id"]?.stringValue)
        let events = try await CLIRun.run(["events", "list", "--source", id], environment: env)
        #expect(events.stdout.contains(eventID))
        let event = try await CLIRun.run(["events", "get", eventID], environment: env)
        #expect(event.stdout.contains("order.created"))
        #expect(event.stdout.contains("content-type: application/json"))
        let eventJSON = try JSON(parsing: try await CLIRun.run(["events", "get", eventID, "--json"], environment: env).stdout)
        #expect(eventJSON["body"]?["type"] == "order.created")

        // Errors: the server's message on stderr and a non-zero exit.
        let missing = try await CLIRun.run(["sources", "get", "src_0123456789abcdef0123456789abcdef"], environment: env)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("Source not found"))
        let refused = try await CLIRun.run(["sources", "delete", id], environment: env, input: "n\n")
        #expect(refused.status != 0)
        let deleted = try await CLIRun.run(["sources", "delete", id, "-f"], environment: env)
        #expect(deleted.status == 0)
        #expect(try await server.client.get("/v1/sources/\(id)").status == 404)

        let logout = try await CLIRun.run(["logout"], environment: env)
        #expect(logout.status == 0)
        let afterLogout = try await CLIRun.run(["sources", "list"], environment: env)
        #expect(afterLogout.status != 0)
        #expect(afterLogout.stderr.contains("Not authenticated"))
    }

    /// Every timer and limit is a flag; the test-session ones are checked before serving.
    @Test func serveOffersTheTestSessionFlagsAndRefusesBadValues() async throws {
        let help = try await CLIRun.run(["serve", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--retention-days"))
        #expect(help.stdout.contains("--alert-interval-seconds") && help.stdout.contains("--alert-auto-resolve-seconds"))
        for flag in ["--test-session-ttl-seconds", "--test-session-request-limit", "--test-sessions-per-ip-per-hour"] {
            #expect(help.stdout.contains(flag), "\(flag) is missing from serve --help")
        }
        for (flag, value) in [("--test-session-ttl-seconds", "0"), ("--test-session-request-limit", "0"), ("--test-sessions-per-ip-per-hour", "-1")] {
            let given = try await CLIRun.run(["serve", "--port", "0", "--data-dir", TemporaryDirectory.make(prefix: "hookstream-flags"), flag, value])
            #expect(given.status != 0)
            #expect(given.stderr.contains(flag), "\(given.stderr)")
        }
    }

    /// The API names a JSONata error's code and position; the CLI passes both on.
    @Test func jsonataErrorsShowCodeAndPosition() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let env = ["XDG_CONFIG_HOME": TemporaryDirectory.make(prefix: "hookstream-cli")]
        let expression = "{\"total\": price * }"
        let api = try await server.client.post("/v1/transforms/test", ["expression": .string(expression), "payload": [:]])
        let code = try #require(api.json["code"]?.stringValue)
        let position = try #require(api.json["position"]?.numberValue.map { Int($0) })

        let run = try await CLIRun.run(
            ["transforms", "test", "--expression", expression, "--api-key", server.adminKey, "--base-url", server.baseURL], environment: env)
        #expect(run.status != 0)
        #expect(run.stderr.contains("code \(code) at position \(position)"), "\(run.stderr)")

        let source = try await server.client.post("/v1/sources", ["name": "s"])
        let destination = try await server.client.post("/v1/destinations", ["name": "d", "url": "http://127.0.0.1:9/"])
        let connection = try await CLIRun.run(
            [
                "connections", "create", "priced", "--source", source.json["id"]?.stringValue ?? "", "--destination",
                destination.json["id"]?.stringValue ?? "", "--transform", expression, "--api-key", server.adminKey, "--base-url", server.baseURL,
            ], environment: env)
        #expect(connection.status != 0)
        #expect(connection.stderr.contains("code \(code) at position \(position)"), "\(connection.stderr)")
    }

    @Test func flagBeatsEnvironmentBeatsConfigFile() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let config = TemporaryDirectory.make(prefix: "hookstream-cli")
        let bogus = "hs_live_" + String(repeating: "ab", count: 32)
        let env = ["XDG_CONFIG_HOME": config]
        #expect(try await CLIRun.run(["login", "--api-key", server.adminKey, "--base-url", server.baseURL], environment: env).status == 0)
        // The environment overrides the config file...
        let envWins = try await CLIRun.run(["sources", "list"], environment: env.merging(["HOOKSTREAM_API_KEY": bogus]) { $1 })
        #expect(envWins.status != 0)
        #expect(envWins.stderr.contains("Invalid API key"))
        // ...and the flag overrides the environment, before or after the subcommand.
        let flagWins = try await CLIRun.run(["--api-key", server.adminKey, "sources", "list"], environment: env.merging(["HOOKSTREAM_API_KEY": bogus]) { $1 })
        #expect(flagWins.status == 0)
        let flagAfter = try await CLIRun.run(["sources", "list", "--api-key", server.adminKey], environment: env.merging(["HOOKSTREAM_API_KEY": bogus]) { $1 })
        #expect(flagAfter.status == 0)
        // Interactive login reads the key from the prompt.
        let interactive = try await CLIRun.run(["login", "-i", "--base-url", server.baseURL], environment: env, input: server.adminKey + "\n")
        #expect(interactive.status == 0, "\(interactive.stderr)")
    }
}
