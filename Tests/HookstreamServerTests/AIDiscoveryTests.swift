import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// The AI discovery files at the root: public, and describing every operation the server's
/// OpenAPI document has.
@Suite struct AIDiscoveryTests {
    /// `METHOD path` of every operation in the served OpenAPI document.
    static func operations(_ server: TestServer) async throws -> [String] {
        let document = try await server.anonymous.get("/v1/openapi.json").json
        let methods: Set<String> = ["get", "put", "post", "delete", "patch"]
        return (document["paths"]?.objectValue ?? [:]).flatMap { path, item in
            (item.objectValue ?? [:]).keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        }
    }

    @Test func llmsTextListsEveryOperationWithoutAKey() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let llms = try await server.anonymous.get("/llms.txt")
        #expect(llms.status == 200)
        #expect(llms.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(llms.text.hasPrefix("# hookstream\n\n> "))
        #expect(llms.text.contains("X-API-Key"))
        #expect(llms.text.contains("[Full API reference](/llms-full.txt)"))
        let operations = try await Self.operations(server)
        #expect(operations.count > 80)
        let missing = operations.filter { !llms.text.contains("- `\($0)`: ") }
        #expect(missing == [], "operations missing from /llms.txt")
    }

    @Test func llmsFullTextDescribesParametersBodiesAndAnswers() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let full = try await server.anonymous.get("/llms-full.txt")
        #expect(full.status == 200)
        let text = full.text
        let missing = try await Self.operations(server).filter { !text.contains("### \($0)\n") }
        #expect(missing == [], "operations missing from /llms-full.txt")
        // One operation end to end: its request fields (required marked), an enum parameter, its answers.
        let create = try #require(text.range(of: "### POST /v1/sources\n")).upperBound
        let rest = text[create...]
        let section = String(rest[..<(rest.range(of: "\n### ")?.lowerBound ?? rest.endIndex)])
        #expect(section.contains("- `name` (string, required)"), "\(section)")
        #expect(section.contains("Answers:\n- 201: Created.\n- 400: "), "\(section)")
        let list = try #require(text.range(of: "### GET /v1/sources\n")).upperBound
        #expect(text[list...].prefix(600).contains("- `status` (query, one of `active`, `paused`)"))
        // Public operations say so; resource shapes are listed.
        let ingest = try #require(text.range(of: "### POST /v1/test/sessions\n")).upperBound
        #expect(text[ingest...].prefix(400).contains("No authentication."))
        #expect(text.contains("### Source\n"))
    }

    @Test func skillsFileAndPluginManifest() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let skills = try await server.anonymous.get("/hookstream.skills.md")
        #expect(skills.status == 200)
        #expect(skills.header("Content-Type")?.hasPrefix("text/markdown") == true)
        #expect(skills.text.hasPrefix("---\nname: hookstream\ndescription: "))
        let manifest = try await server.anonymous.get("/.well-known/ai-plugin.json")
        #expect(manifest.status == 200)
        #expect(manifest.json["schema_version"] == "v1")
        let openAPI = try #require(manifest.json["api"]?["url"]?.stringValue)
        #expect(try await server.anonymous.get(openAPI).status == 200)
        #expect(manifest.json["auth"]?["custom_auth_header"] == "X-API-Key")
    }
}
