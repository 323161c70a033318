import Hummingbird
import JSONValue
import NIOCore

/// The AI discovery files at the server's root (`AIDiscovery` says what each holds). Public,
/// like the OpenAPI document they are rendered from — once per process, not at every server
/// start.
struct AIDiscoveryRoutes {
    private static let files: [(path: String, contentType: String, body: ByteBuffer)] = {
        // The embedded document is known to parse: APIConventionsTests parses what is served.
        let document = (try? JSON(parsing: String(decoding: OpenAPIDocument.bytes, as: UTF8.self))) ?? [:]
        return [
            ("/llms.txt", "text/plain; charset=utf-8", ByteBuffer(string: AIDiscovery.llmsText(document))),
            ("/llms-full.txt", "text/plain; charset=utf-8", ByteBuffer(string: AIDiscovery.llmsFullText(document))),
            ("/hookstream.skills.md", "text/markdown; charset=utf-8", ByteBuffer(string: AIDiscovery.skills)),
            ("/.well-known/ai-plugin.json", "application/json", ByteBuffer(bytes: AIDiscovery.pluginManifest().serializedBytes())),
        ]
    }()

    func register(on router: Router<AppRequestContext>) {
        for file in Self.files {
            router.get(RouterPath(file.path)) { _, _ in
                Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: file.body))
            }
        }
    }
}
