// hummingbird-ceiling --port N: the fastest a Hummingbird 2 route can answer, the ceiling for
// every hookstream route (`bench/run ceiling`). One route for any path that collects the
// request body the way hookstream's handlers do (`collectBody`), and answers 200. Same
// server setup as hookstream's (HTTP/1.1, the default event loop group, one loop per core),
// but no middleware: the distance from this to hookstream's `/v1/health` is hookstream's own
// per-request cost, the distance from the bare SwiftNIO server to this is Hummingbird's.
import CeilingSupport
import Hummingbird

let port = portArgument(program: "hummingbird-ceiling")
let router = Router()
// The body limit is hookstream's default for ingest (10 MiB); the benchmark sends 1 KB.
let answer: @Sendable (Request, BasicRequestContext) async throws -> String = { request, _ in
    var request = request
    _ = try await request.collectBody(upTo: 10_485_760)
    return "ok"
}
// `**` matches one or more path components; `/` is the root itself.
router.post("/", use: answer)
router.post("**", use: answer)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "hummingbird-ceiling"))
do {
    try await app.runService()
} catch {
    exit(status: 1, "hummingbird-ceiling: \(error)")
}
