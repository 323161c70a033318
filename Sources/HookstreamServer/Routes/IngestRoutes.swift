import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import HummingbirdCore
import JSONValue
import NIOCore
import Prometheus

/// `ANY /v1/ingest/:source_id`: the public webhook endpoint. The HTTP side of ingest — find
/// the source, screen the caller, read the body within the limit, answer — around
/// ``IngestPipeline``, which verifies, stores and routes.
///
/// The answer `{"event_id", "source_id"}` is sent only after the event and its routing
/// decision are committed. A paused source answers the same way: its events are stored and
/// held, never refused.
struct IngestRoutes {
    let deps: ServerDependencies

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    func register(on router: Router<AppRequestContext>) {
        for method in Self.methods {
            router.on("/v1/ingest/:source_id", method: method, use: ingest)
        }
    }

    /// Checks run in the documented order — denylist and allowlist (403) before the body is
    /// read, then signature (401) and schema in reject mode (422) — before anything is stored.
    @Sendable func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let sourceID = try context.parameters.require("source_id")
        guard ResourceID.isWellFormed(sourceID, .source), let entry = try await deps.sources.entry(id: sourceID) else {
            throw APIError.notFound("Source")
        }
        let source = entry.source
        let headerPairs = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let clientIP = deps.clientAddresses.resolve(peer: context.peer, headers: headerPairs)
        let pipeline = IngestPipeline(deps: deps)
        do {
            if let refusal = IngestPipeline.screen(entry.policy, clientIP: clientIP) { throw refusal }
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: deps.configuration.maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw IngestPipeline.Refusal(
                    reason: "too_large", error: APIError(.contentTooLarge, "Body exceeds the \(deps.configuration.maxBodyBytes)-byte limit"))
            }
            let arrival = IngestPipeline.Arrival(
                method: request.method.rawValue, url: deps.baseURL.string + request.uri.description, headers: headerPairs,
                query: Self.query(request.uri), contentType: request.headers[.contentType], clientIP: clientIP,
                body: [UInt8](buffer.readableBytesView))
            let outcome = try await pipeline.accept(arrival, source: entry)
            deps.metrics.makeCounter(descriptor: GatewayMetrics.eventsStored).increment()
            deps.metrics.makeDurationHistogram(descriptor: GatewayMetrics.ingestDuration, buckets: GatewayMetrics.latencyBuckets)
                .record(ContinuousClock.now - started)
            var answer: JSONObject = ["event_id": .string(outcome.eventID), "source_id": .string(source.id)]
            if outcome.duplicate {
                deps.metrics.makeCounter(descriptor: GatewayMetrics.ingestDuplicates, labels: [("source_id", source.id)]).increment()
                answer["duplicate"] = true
            }
            return .json(.object(answer))
        } catch let refusal as IngestPipeline.Refusal {
            deps.metrics.makeCounter(descriptor: GatewayMetrics.ingestRejected, labels: [("source_id", source.id), ("reason", refusal.reason)])
                .increment()
            throw refusal.error
        }
    }

    static func query(_ uri: URI) -> JSONObject {
        var out = JSONObject()
        for (key, value) in uri.queryParameters {
            let k = String(key)
            let v = JSON.string(String(value))
            switch out[k] {
            case nil: out[k] = v
            case .array(var values)?:
                values.append(v)
                out[k] = .array(values)
            case let existing?: out[k] = .array([existing, v])
            }
        }
        return out
    }
}
