import HookstreamCore
import Hummingbird
import JSONValue
import NIOCore

/// `POST /v1/topics/:slug/publish` apart from the HTTP server that carries it: any JSON body
/// becomes an event of the topic, committed with one delivery per subscription whose filters
/// it passes before the answer. Both ways a publish is answered use it — ``IngestFastPath``
/// (with an `X-API-Key`) and the router's ``TopicsRoutes`` (with a session too).
struct PublishEndpoint: Sendable {
    let deps: ServerDependencies

    /// The route pattern, as `/metrics` labels it.
    static let route = "/v1/topics/{id}/publish"

    /// The topic named in a publish path (`/v1/topics/<one segment>/publish`, any query).
    static func topic(inPath path: String) -> String? {
        let utf8 = path.utf8.prefix { $0 != UInt8(ascii: "?") }
        let prefix = "/v1/topics/".utf8, suffix = "/publish".utf8
        guard utf8.starts(with: prefix), utf8.count > prefix.count + suffix.count, utf8.reversed().starts(with: suffix.reversed()) else {
            return nil
        }
        let topic = utf8.dropFirst(prefix.count).dropLast(suffix.count)
        guard !topic.contains(UInt8(ascii: "/")) else { return nil }
        return String(Substring(topic))
    }

    func publish(tenant: Tenant, topic key: String, bytes: [UInt8], headers: [(name: String, value: String)], peer: IPAddress?) async throws -> JSON {
        guard let topic = try await deps.topics.entry(tenant: tenant, key: key)?.topic else { throw APIError.notFound("Topic") }
        guard !bytes.isEmpty, (try? JSON(parsing: bytes)) != nil else {
            throw APIError.badRequest("The published body must be JSON")
        }
        let now = deps.configuration.clock.now
        let receivedAt = Timestamp.millis(now)
        let event = Event(
            id: ResourceID.make(.event, now: now), tenant: topic.tenant, sourceID: topic.id, method: "POST",
            headers: Self.keptHeaders(headers), query: [:], contentType: "application/json",
            sourceIP: deps.clientAddresses.resolve(peer: peer, headers: headers)?.description,
            bodySize: bytes.count, body: .inline(bytes), receivedAt: receivedAt)
        let outcome = try await IngestPipeline(deps: deps).commit(event, bytes: bytes, dedup: nil)
        return ["event_id": .string(outcome.eventID), "topic": .string(topic.slug), "received_at": .string(Timestamp.iso(millis: receivedAt))]
    }

    var bodyTooLarge: APIError {
        APIError(.contentTooLarge, "Request body exceeds \(deps.configuration.maxBodyBytes) bytes")
    }

    /// The publisher's headers as the event keeps them, without its credentials: events are
    /// readable by everyone with access to the environment.
    static func keptHeaders(_ fields: [(name: String, value: String)]) -> JSONObject {
        let secret: Set<String> = ["authorization", "cookie", "proxy-authorization", "x-api-key"]
        return IngestPipeline.headers(fields.filter { !secret.contains($0.name.lowercased()) })
    }
}

extension TopicsRoutes {
    @Sendable func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        var request = request
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try await request.collectBody(upTo: deps.configuration.maxBodyBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw PublishEndpoint(deps: deps).bodyTooLarge
        }
        let answer = try await PublishEndpoint(deps: deps).publish(
            tenant: identity.tenant, topic: try context.parameters.require("id"), bytes: bytes,
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, peer: context.peer)
        return .json(answer)
    }
}
