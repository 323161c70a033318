import HookstreamCore
import HookstreamDelivery
import Hummingbird
import JSONValue

/// `POST /v1/tools/idempotency-test`: sends the same request `count` times with the same
/// idempotency header, one after another (`delay_ms` apart), and compares the answers
/// (``IdempotencyReport``). The idempotency header given wins over one of the same name in
/// `headers`. A target the outbound policy refuses is a 403 before the first request; a
/// request nothing answers (refused connection, timeout) ends the test there, and
/// `total_requests` counts the requests made.
struct ToolsIdempotencyRoutes {
    let tools: ToolsRoutes

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/tools/idempotency-test", use: test)
    }

    static let fields: BodyFields = ["url", "idempotency_header", "idempotency_value", "count", "method", "headers", "body", "delay_ms"]
    static let counts: ClosedRange<Double> = 2...10
    static let delays: ClosedRange<Double> = 0...5000

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        try tools.requireEnabled()
        let deps = tools.deps
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let header = try body.requiredString("idempotency_header", maxLength: 100)
        let value = try body.requiredString("idempotency_value", maxLength: 500)
        guard let count = try body.number("count", in: Self.counts), count == count.rounded() else {
            throw APIError.badRequest("'count' is required: a whole number of requests from 2 to 10")
        }
        let delay = try body.number("delay_ms", in: Self.delays) ?? 0
        let outgoing = try ToolsRoutes.toolRequest(body, extraHeaders: [(header, value)])
        try await tools.checkTarget(outgoing)

        var responses: [IdempotencyReport.Response] = []
        for attempt in 0..<Int(count) {
            if attempt > 0, delay > 0 { try await deps.configuration.clock.sleep(for: .milliseconds(Int64(delay))) }
            let answer: ToolSender.Answer
            do {
                answer = try await tools.sender.send(outgoing)
            } catch let refusal as OutboundRefusal {
                // The name now resolves somewhere refused (it did not a moment ago): stop here.
                throw ToolsRoutes.forbidden(refusal)
            }
            responses.append(.init(status: answer.status, body: answer.body, latencyMillis: answer.latencyMillis, error: answer.error))
            // Nothing answered: repeating tells nothing about idempotency, and would only make
            // the caller wait `count` timeouts. The results list the requests made.
            if answer.status == nil { break }
        }
        let report = IdempotencyReport(responses)
        return .json([
            "url": .string(outgoing.url), "idempotency_header": .string(header), "idempotency_value": .string(value),
            "total_requests": .number(Double(report.results.count)), "unique_responses": .number(Double(report.uniqueResponses)),
            "duplicate_responses": .number(Double(report.duplicateResponses)),
            "results": .array(
                report.results.map { result in
                    [
                        "attempt": .number(Double(result.attempt)), "status": result.response.status.map { .number(Double($0)) } ?? .null,
                        "latency_ms": .number(Double(result.response.latencyMillis)), "response_body": .string(result.response.body),
                        "is_duplicate": .bool(result.isDuplicate), "error": result.response.error.map(JSON.string) ?? .null,
                    ]
                }),
        ])
    }
}
