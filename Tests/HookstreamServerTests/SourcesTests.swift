import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct SourcesTests {
    @Test func createReadUpdateDelete() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let created = try await api.post(
            "/v1/sources",
            ["name": "Stripe Webhooks", "slug": "stripe-webhooks", "verification_type": "hmac-sha256", "verification_secret": "whsec_abc123def456", "dedup_strategy": "payload_hash", "ip_allowlist": "10.0.0.0/8, 2001:db8::/32"])
        #expect(created.status == 201)
        let source = created.json
        let id = try #require(source["id"]?.stringValue)
        #expect(id.hasPrefix("src_") && id.count == 4 + 32)
        #expect(source["url"]?.stringValue == "\(server.baseURL)/v1/ingest/\(id)")
        #expect(source["verification_type"] == "hmac_sha256")
        #expect(source["verification_secret"] == "••••f456")
        #expect(source["ip_allowlist"] == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(source["event_count"] == 0)
        #expect(!created.text.contains("whsec_abc123def456"))

        let fetched = try await api.get("/v1/sources/\(id)")
        #expect(fetched.status == 200)
        #expect(fetched.json["name"] == "Stripe Webhooks")

        let patched = try await api.patch("/v1/sources/\(id)", ["name": "Stripe Production Webhooks", "dedup_window_seconds": 60])
        #expect(patched.status == 200)
        #expect(patched.json["name"] == "Stripe Production Webhooks")
        #expect(patched.json["dedup_window_seconds"] == 60)
        #expect(patched.json["verification_type"] == "hmac_sha256")

        #expect(try await api.delete("/v1/sources/\(id)").status == 200)
        #expect(try await api.get("/v1/sources/\(id)").status == 404)
        #expect(try await api.delete("/v1/sources/\(id)").status == 404)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(id)", json: ["a": 1]).status == 404)
    }

    @Test func templatesListTheFifteenProviders() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.client.get("/v1/sources/templates")
        let templates = try #require(response.json["templates"]?.arrayValue)
        #expect(templates.count == 15)
        let ids = Set(templates.compactMap { $0["id"]?.stringValue })
        for id in ["stripe", "github", "shopify", "slack", "twilio", "sendgrid", "intercom", "linear", "clerk", "svix", "paddle", "resend", "postmark", "typeform", "custom"] {
            #expect(ids.contains(id), "missing template \(id)")
        }
        for t in templates {
            #expect(t["verification_type"]?.stringValue != nil)
            #expect(t["description"]?.stringValue?.isEmpty == false)
        }
        let fromTemplate = try await server.client.post("/v1/sources", ["name": "GitHub", "template": "github", "verification_secret": "s3cret"])
        #expect(fromTemplate.status == 201)
        #expect(fromTemplate.json["template"] == "github")
        #expect(fromTemplate.json["verification_header"]?.stringValue?.lowercased() == "x-hub-signature-256")
    }

    @Test func listingPagesNewestFirstWithOpaqueCursors() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        var ids: [String] = []
        for i in 0..<5 {
            ids.append(try #require(try await server.client.post("/v1/sources", ["name": .string("source \(i)")]).json["id"]?.stringValue))
        }
        let first = try await server.client.get("/v1/sources?limit=2")
        #expect(first.json["sources"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[4], ids[3]])
        #expect(first.json["has_more"] == true)
        let cursor = try #require(first.json["cursor"]?.stringValue)
        let second = try await server.client.get("/v1/sources?limit=2&cursor=\(cursor)")
        #expect(second.json["sources"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
        let third = try await server.client.get("/v1/sources?limit=2&cursor=\(try #require(second.json["cursor"]?.stringValue))")
        #expect(third.json["sources"]?.arrayValue?.count == 1)
        #expect(third.json["has_more"] == false)
        #expect(third.json["cursor"] == .null)
        // Slugs derived from the same name stay unique.
        let again = try await server.client.post("/v1/sources", ["name": "source 0"])
        #expect(again.status == 201)
        #expect(again.json["slug"] != .string("source-0"))
    }

    @Test(arguments: [
        ("{\"name\": ", "malformed JSON"),
        ("[]", "not an object"),
        ("{}", "missing name"),
        ("{\"name\": 5}", "wrong type"),
        ("{\"name\": \"x\", \"verification_type\": \"md5\", \"verification_secret\": \"s\"}", "unknown enum"),
        ("{\"name\": \"x\", \"verification_type\": \"hmac_sha256\"}", "missing secret"),
        ("{\"name\": \"x\", \"dedup_strategy\": \"body_field\"}", "missing dedup field"),
        ("{\"name\": \"x\", \"ip_allowlist\": [\"10.0.0.0/33\"]}", "bad CIDR"),
        ("{\"name\": \"x\", \"ip_denylist\": \"1.2.3.256\"}", "bad address"),
        ("{\"name\": \"x\", \"slug\": \"Not A Slug\"}", "bad slug"),
        ("{\"name\": \"x\", \"template\": \"nope\"}", "unknown template"),
        ("{\"name\": \"x\", \"schema_validation_enabled\": true}", "schema missing"),
        ("{\"name\": \"x\", \"dedup_window_seconds\": \"300\"}", "window type"),
    ])
    func badInputIsRefusedAndChangesNothing(_ body: String, _ why: String) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.client.request("POST", "/v1/sources", body: Array(body.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 400, "\(why)")
        #expect(response.json["status"] == 400)
        #expect(response.json["error"]?.stringValue?.isEmpty == false)
        #expect(try await server.client.get("/v1/sources").json["sources"] == [], "\(why) wrote something")
    }

    @Test func oversizeManagementBodyIsRefused() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let huge = "{\"name\": \"" + String(repeating: "x", count: 2_000_000) + "\"}"
        let response = try await server.client.request("POST", "/v1/sources", body: Array(huge.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 413)
        #expect(response.json["status"] == 413)
        #expect(try await server.client.get("/v1/sources").json["sources"] == [])
    }

    @Test func badUpdateLeavesTheSourceUnchanged() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let id = try #require(try await server.client.post("/v1/sources", ["name": "before"]).json["id"]?.stringValue)
        let response = try await server.client.patch("/v1/sources/\(id)", ["name": "after", "ip_denylist": ["nonsense"]])
        #expect(response.status == 400)
        #expect(try await server.client.get("/v1/sources/\(id)").json["name"] == "before")
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=eyJ4IjoxfQ"])
    func listParametersAreValidated(_ query: String) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        #expect(try await server.client.get("/v1/sources?\(query)").status == 400)
        #expect(try await server.client.get("/v1/events?\(query)").status == 400)
    }

    @Test func anotherOrganizationGetsNotFound() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let id = try #require(try await server.client.post("/v1/sources", ["name": "private"]).json["id"]?.stringValue)
        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/sources/\(id)").status == 404)
        #expect(try await other.patch("/v1/sources/\(id)", ["name": "stolen"]).status == 404)
        #expect(try await other.delete("/v1/sources/\(id)").status == 404)
        #expect(try await other.get("/v1/sources").json["sources"] == [])
        #expect(try await server.client.get("/v1/sources/\(id)").json["name"] == "private")
    }
}

@Suite struct SourceSchemaSettingsTests {
    @Test func invalidJSONSchemaIsRefused() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let bad = try await server.client.post(
            "/v1/sources", ["name": "x", "schema_validation_enabled": true, "json_schema": ["type": 5]])
        #expect(bad.status == 400)
        #expect(bad.json["error"]?.stringValue?.contains("json_schema") == true)
        let good = try await server.client.post(
            "/v1/sources",
            ["name": "y", "schema_validation_enabled": true, "schema_action": "warn", "json_schema": ["type": "object", "required": ["id"]]])
        #expect(good.status == 201)
        #expect(good.json["json_schema"]?["required"] == ["id"])
        #expect(good.json["schema_action"] == "warn")
    }
}
