import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct AccountsTests {
    @Test func signupProvisionsAnOrganizationAndASession() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let signup = try await server.anonymous.post("/v1/auth/signup", ["email": "Ada@Example.com", "password": "difference engine", "name": "Ada"])
        #expect(signup.status == 201)
        #expect(signup.json["user"]?["email"] == "ada@example.com")
        #expect(signup.json["organization"]?["id"]?.stringValue?.hasPrefix("org_") == true)
        #expect(signup.json["environment"]?["id"]?.stringValue?.hasPrefix("env_") == true)
        let cookieHeader = try #require(signup.header("Set-Cookie"))
        #expect(cookieHeader.contains("HttpOnly"))
        #expect(cookieHeader.contains("SameSite=Lax"))
        let session = server.anonymous.with(cookie: String(cookieHeader.split(separator: ";")[0]))
        let me = try await session.get("/v1/auth/me")
        #expect(me.status == 200)
        #expect(me.json["user"]?["email"] == "ada@example.com")
        #expect(me.json["organization"]?["id"] == signup.json["organization"]?["id"])

        let duplicate = try await server.anonymous.post("/v1/auth/signup", ["email": "ada@example.com", "password": "another password"])
        #expect(duplicate.status == 409)

        let logout = try await session.post("/v1/auth/logout", [:])
        #expect(logout.status == 200)
        #expect(try await session.get("/v1/auth/me").status == 401)

        let badLogin = try await server.anonymous.post("/v1/auth/login", ["email": "ada@example.com", "password": "wrong password"])
        #expect(badLogin.status == 401)
        let login = try await server.anonymous.post("/v1/auth/login", ["email": "ada@example.com", "password": "difference engine"])
        #expect(login.status == 200)
        #expect(login.header("Set-Cookie")?.hasPrefix("hookstream_session=") == true)
    }

    @Test(arguments: [
        #"{"email": "not-an-email", "password": "long enough"}"#,
        #"{"email": "a@b.co", "password": "short"}"#,
        #"{"email": "a@b.co"}"#,
        #"{"email": 5, "password": "long enough"}"#,
        #"{"password": "long enough"}"#,
    ])
    func signupRejectsBadInput(_ body: String) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await server.anonymous.post("/v1/auth/signup", try JSON(parsing: body))
        #expect(response.status == 400)
        #expect(response.json["status"] == 400)
    }

    @Test func signupCanBeDisabled() async throws {
        let server = try await TestServer.start { $0.allowSignup = false }
        defer { server.stop() }
        let response = try await server.anonymous.post("/v1/auth/signup", ["email": "a@b.co", "password": "long enough"])
        #expect(response.status == 403)
    }

    @Test func apiKeysAreManagedFromASessionAndRevokedAtOnce() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (session, _) = try await server.signUp()
        let created = try await session.post("/v1/auth/api-keys", ["name": "Production Backend"])
        #expect(created.status == 201)
        let key = try #require(created.json["key"]?.stringValue)
        #expect(key.hasPrefix("hs_live_") && key.count == 8 + 64)
        #expect(created.json["key_prefix"]?.stringValue == String(key.prefix(12)))
        let id = try #require(created.json["id"]?.stringValue)
        #expect(id.hasPrefix("ak_"))

        let testKey = try await session.post("/v1/auth/api-keys", ["name": "CI", "mode": "test"])
        #expect(testKey.json["key"]?.stringValue?.hasPrefix("hs_test_") == true)

        let withKey = server.anonymous.with(apiKey: key)
        for _ in 0..<3 { #expect(try await withKey.get("/v1/sources").status == 200) }
        // API keys cannot manage API keys.
        #expect(try await withKey.get("/v1/auth/api-keys").status == 403)

        // Usage is written in the background about once a second; the refused call counts too.
        var listed = JSON.null
        for _ in 0..<50 {
            listed = try await session.get("/v1/auth/api-keys").json
            if listed["api_keys"]?.arrayValue?.first(where: { $0["id"]?.stringValue == id })?["request_count"] == 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let entry = try #require(listed["api_keys"]?.arrayValue?.first { $0["id"]?.stringValue == id })
        #expect(entry["request_count"] == 4)
        #expect(entry["last_used_at"]?.stringValue != nil)
        #expect(entry["key"] == nil)
        #expect(entry["revoked"] == 0)

        #expect(try await session.delete("/v1/auth/api-keys/\(id)").status == 200)
        #expect(try await withKey.get("/v1/sources").status == 401)
        #expect(try await session.delete("/v1/auth/api-keys/\(id)").status == 404)

        // Another organization cannot see or revoke this organization's keys.
        let (other, _) = try await server.signUp()
        #expect(try await other.delete("/v1/auth/api-keys/\(try #require(testKey.json["id"]?.stringValue))").status == 404)
    }

    @Test func meWorksWithAnAPIKey() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let me = try await server.client.get("/v1/auth/me")
        #expect(me.status == 200)
        #expect(me.json["user"] == .null)
        #expect(me.json["api_key"]?["key_prefix"]?.stringValue == String(server.adminKey.prefix(12)))
    }
}
