import HookstreamCore
import Hummingbird
import NIOCore

/// `ANY /v1/ingest/:source_id` through the router: ``IngestEndpoint`` behind the router's
/// middleware. Most ingest requests never get here — ``IngestFastPath`` answers them on the
/// channel — but the route stays: it answers ingest when the fast path is switched off
/// (`--no-ingest-fast-path`) and requests the fast path leaves to the router (one pipelined
/// behind a request the router is still answering), and it is what the route table and the
/// OpenAPI document know the path by.
struct IngestRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        for method in IngestEndpoint.methods {
            router.on("/v1/ingest/:source_id", method: method, use: ingest)
        }
    }

    @Sendable func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoint = IngestEndpoint(deps: deps)
        let call = IngestEndpoint.Call(
            method: request.method, sourceID: try context.parameters.require("source_id"), target: request.uri.description,
            headers: request.headers, peer: context.peer)
        var request = request
        let answer = try await endpoint.answer(call) {
            do {
                return [UInt8](try await request.collectBody(upTo: deps.configuration.maxBodyBytes).readableBytesView)
            } catch is NIOTooManyBytesError {
                throw endpoint.bodyTooLarge
            }
        }
        var headers = answer.headers
        headers[.contentType] = answer.contentType
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
