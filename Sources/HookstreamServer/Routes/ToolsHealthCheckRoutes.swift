import HookstreamCore
import HookstreamDelivery
import Hummingbird
import JSONValue

/// `POST /v1/tools/health-check`: sends one request to a webhook endpoint and reports how it
/// answered. The spec names only `url`: the request is a `POST` of a small JSON test body
/// (what a webhook endpoint expects), and `healthy` means a 2xx. An endpoint that does not
/// answer is still a 200 from this tool — `healthy: false` with the `error` — because the check
/// itself ran; only a target the outbound policy refuses is a 403.
struct ToolsHealthCheckRoutes {
    let tools: ToolsRoutes

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/tools/health-check", use: check)
    }

    static let fields: BodyFields = ["url"]
    static let probeBody = #"{"type":"hookstream.health_check","message":"Health check from hookstream's tools API"}"#

    @Sendable func check(_ request: Request, context: AppRequestContext) async throws -> Response {
        try tools.requireEnabled()
        let body = try await JSONBody.read(request, context: context, limit: tools.deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let url = try body.requiredString("url", maxLength: ToolRequest.maxURLLength)
        let probe: ToolRequest
        do {
            probe = try ToolRequest.validated(url: url, method: "POST", headers: [], body: Self.probeBody)
        } catch let invalid as ToolRequest.Invalid {
            throw APIError.badRequest(invalid.description)
        }
        try await tools.checkTarget(probe)
        let answer: ToolSender.Answer
        do {
            answer = try await tools.sender.send(probe)
        } catch let refusal as OutboundRefusal {
            throw ToolsRoutes.forbidden(refusal)
        }
        return .json([
            "url": .string(url), "status_code": answer.status.map { .number(Double($0)) } ?? .null,
            "latency_ms": .number(Double(answer.latencyMillis)), "headers": ToolsRoutes.headersObject(answer.headers), "body": .string(answer.body),
            "body_truncated": .bool(answer.bodyTruncated), "healthy": .bool(answer.status.map { (200..<300).contains($0) } ?? false),
            "error": answer.error.map(JSON.string) ?? .null,
        ])
    }
}
