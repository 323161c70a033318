import Foundation
import HookstreamCore
import Hummingbird
import HummingbirdWebSocket
import JSONValue
import NIOCore

/// `GET /v1/ws/source/:source_id`: a device streams events in over one WebSocket instead of
/// one HTTP request each. Every message (text or binary) is an event body and goes through
/// ``IngestPipeline`` like an HTTP request to the source — schema validation, dedup, routing,
/// the paused-source hold, the durable commit — and is answered `{"type":"ack","event_id"}`
/// only once committed. A message the source refuses (its JSON Schema in reject mode) or that
/// cannot be stored now is answered `{"type":"error",…}` and the connection stays up.
///
/// The connection is authenticated with an API key of the source's tenant (`token` query
/// parameter) or a session; the source's IP lists are checked once, on the connecting address.
/// Signature verification does not apply: a message has no headers to carry a signature, and
/// the key already proves who is sending.
///
/// A connection's messages are committed one after another, in the order sent (an
/// acknowledgement per commit, which concurrent connections share through group commit): open
/// several connections for more throughput.
struct InboundSourceStream {
    let deps: ServerDependencies

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<RealtimeRequestContext>) async throws {
        let entry: SourceCache.Entry
        let clientIP: IPAddress?
        do {
            (entry, clientIP) = try await admit(context)
        } catch {
            // Any failure ends with an answer and a close, never a silent open connection.
            try await RealtimeRoutes.refuse(APIError.answering(error, path: context.request.uri.path, logger: deps.logger), outbound: outbound)
            return
        }
        // One message at a time: each is committed (and so gets its time-ordered ID) before
        // the next is read, so the stored order is the order sent.
        for try await message in inbound.messages(maxSize: deps.configuration.maxBodyBytes) {
            let reply = await ingest(message, entry: entry, clientIP: clientIP, request: context.request)
            try await outbound.write(.text(String(decoding: reply.serializedBytes(), as: UTF8.self)))
        }
    }

    /// The caller, the source (in the caller's tenant) and the IP lists.
    private func admit(_ context: WebSocketRouterContext<RealtimeRequestContext>) async throws -> (SourceCache.Entry, IPAddress?) {
        let identity = try await RealtimeRoutes(deps: deps).authenticate(context.request)
        guard let id = context.requestContext.parameters.get("source_id"), ResourceID.isWellFormed(id, .source),
            let entry = try await deps.sources.entry(id: id), entry.source.tenant == identity.tenant
        else { throw APIError.notFound("Source") }
        let peer = context.requestContext.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        let headers = context.request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let clientIP = deps.clientAddresses.resolve(peer: peer, headers: headers)
        if let refusal = IngestPipeline.screen(entry.policy, clientIP: clientIP) { throw refusal.error }
        var policy = entry.policy
        policy.verification = nil
        return (SourceCache.Entry(source: entry.source, policy: policy, router: entry.router), clientIP)
    }

    /// One message through ingest; the reply to send for it.
    private func ingest(_ message: WebSocketMessage, entry: SourceCache.Entry, clientIP: IPAddress?, request: Request) async -> JSON {
        let started = ContinuousClock.now
        let body: [UInt8]
        let contentType: String
        switch message {
        case .text(let text):
            body = Array(text.utf8)
            contentType = (try? JSON(parsing: body)) != nil ? "application/json" : "text/plain; charset=utf-8"
        case .binary(let buffer):
            body = Array(buffer.readableBytesView)
            contentType = "application/octet-stream"
        }
        var headers: [(name: String, value: String)] = [("content-type", contentType), ("x-hookstream-transport", "websocket")]
        if let agent = request.headers[.userAgent] { headers.append(("user-agent", agent)) }
        let arrival = IngestPipeline.Arrival(
            method: "POST", url: deps.baseURL.string + request.uri.path, headers: headers, query: [:], contentType: contentType,
            clientIP: clientIP, body: body)
        let source = entry.source
        do {
            let outcome = try await IngestPipeline(deps: deps).accept(arrival, source: entry)
            deps.instruments.eventsStored.increment()
            deps.instruments.ingestDuration.record(ContinuousClock.now - started)
            var ack: JSONObject = ["type": "ack", "event_id": .string(outcome.eventID)]
            if outcome.duplicate {
                deps.instruments.counter(.ingestDuplicates, [("source_id", source.id)]).increment()
                ack["duplicate"] = true
            }
            return .object(ack)
        } catch let refusal as IngestPipeline.Refusal {
            deps.instruments.counter(.ingestRejected, [("source_id", source.id), ("reason", refusal.reason)]).increment()
            return Self.error(refusal.error)
        } catch let error as APIError {
            return Self.error(error)
        } catch {
            deps.logger.error("WebSocket ingest failed", metadata: ["source_id": "\(source.id)", "error": "\(error)"])
            return Self.error(APIError(.internalServerError, "The event could not be stored; send it again"))
        }
    }

    static func error(_ error: APIError) -> JSON {
        var o: JSONObject = ["type": "error", "error": .string(error.message), "status": .number(Double(error.status.code))]
        for (key, value) in error.extra { o[key] = value }
        return .object(o)
    }
}
