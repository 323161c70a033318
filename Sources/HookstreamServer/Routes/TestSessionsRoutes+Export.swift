import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue
import NIOCore

/// `GET …/sessions/:id/export?format=ndjson|csv`: every event of the session, oldest first,
/// streamed.
///
/// Memory stays bounded whatever the session's size: events come from one consistent read in
/// pages of ``exportPageSize``, and each page is written — the write awaited, so a slow client
/// slows the reading instead of filling memory — before the next is read. A body kept in the
/// blob store is read when its event's line is written, one at a time.
extension TestSessionsRoutes {
    static let exportPageSize = 200
    static let csvColumns = [
        "id", "received_at", "method", "content_type", "source_ip", "body_size", "response_status", "headers", "query", "body",
        "body_encoding", "note", "forward_status", "forward_latency_ms", "forward_error",
    ]

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let format = try QueryValue.oneOf(request.uri.queryParameters, "format", ["ndjson", "csv", "json"]) ?? "ndjson"
        let session = try await live(context)
        guard let reader = try await deps.store.openTestSessionExport(sessionID: session.id) else { throw APIError.notFound("Test session") }
        let csv = format == "csv"
        var headers: HTTPFields = [
            .contentType: csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
            .contentDisposition: "attachment; filename=\"test-session-\(session.id).\(csv ? "csv" : "ndjson")\"",
        ]
        headers[.cacheControl] = "no-store"
        let routing = deps.routing
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            if csv { try await writer.write(ByteBuffer(string: RecordCSV.line(Self.csvColumns))) }
            var after: String?
            while true {
                let page = try await reader.events(afterID: after, limit: Self.exportPageSize)
                var out: [UInt8] = []
                for found in page {
                    let body = try await routing.bodyBytes(found.event)
                    if csv {
                        out += Array(Self.csvLine(found, body: body).utf8)
                    } else {
                        out += Self.ndjsonLine(found, body: body)
                        out.append(UInt8(ascii: "\n"))
                    }
                }
                if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
                guard page.count == Self.exportPageSize, let last = page.last else { break }
                after = last.event.id
            }
            try await writer.finish(nil)
        })
    }

    /// One event as a line: its summary with the body (JSON as JSON, byte for byte).
    static func ndjsonLine(_ found: TestSessionEvent, body: [UInt8]) -> [UInt8] {
        eventDocument(found, body: body, bodyKey: "body")
    }

    static func csvLine(_ found: TestSessionEvent, body: [UInt8]) -> String {
        let e = found.event
        let rendered = EventBodyRendering(body)
        let bodyText: String
        switch rendered {
        case .empty: bodyText = ""
        case .json, .text: bodyText = String(decoding: body, as: UTF8.self)
        case .binary(let base64): bodyText = base64
        }
        let forward = found.record?.forward
        return RecordCSV.line([
            e.id, Timestamp.iso(millis: e.receivedAt), e.method, e.contentType ?? "", e.sourceIP ?? "", String(e.bodySize),
            found.record.map { String($0.responseStatus) } ?? "", JSON.object(e.headers).serialized(), JSON.object(e.query).serialized(),
            bodyText, rendered.encoding, found.record?.note ?? "", forward?.status.map(String.init) ?? "",
            forward.map { String(($0.latencyMillis * 10).rounded() / 10) } ?? "", forward?.error ?? "",
        ])
    }
}
