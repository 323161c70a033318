import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import HummingbirdCore
import JSONValue
import NIOCore
import NIOPosix
import Prometheus

/// `ANY /v1/ingest/:source_id`: the public webhook endpoint.
///
/// The answer `{"event_id", "source_id"}` is sent only after the event row has been committed
/// by the group-commit writer; a body above the inline limit is written to the blob store (and
/// fsynced) first, so the committed row never refers to a missing file.
struct IngestRoutes {
    let deps: ServerDependencies

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    func register(on router: Router<AppRequestContext>) {
        for method in Self.methods {
            router.on("/v1/ingest/:source_id", method: method, use: ingest)
        }
    }

    @Sendable func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let sourceID = try context.parameters.require("source_id")
        guard ResourceID.isWellFormed(sourceID, .source), let source = try await deps.sources.source(id: sourceID) else {
            throw APIError.notFound("Source")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: deps.configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "Body exceeds the \(deps.configuration.maxBodyBytes)-byte limit")
        }
        let bytes = [UInt8](buffer.readableBytesView)
        let now = Date()
        let receivedAt = Timestamp.millis(now)
        let eventID = ResourceID.make(.event, now: now)
        let body: EventBody
        if bytes.count > Event.inlineBodyLimit {
            let key = deps.blobs.key(for: eventID, organizationID: source.tenant.organizationID, receivedAt: receivedAt)
            // File writes and fsync block; keep them off the event loops.
            let blobs = deps.blobs
            try await NIOThreadPool.singleton.runIfActive { try blobs.write(bytes, key: key) }
            body = .blob(key: key)
        } else {
            body = .inline(bytes)
        }
        let event = Event(
            id: eventID, tenant: source.tenant, sourceID: source.id, method: request.method.rawValue,
            headers: Self.headers(request.headers), query: Self.query(request.uri), contentType: request.headers[.contentType],
            sourceIP: context.peerAddress, bodySize: bytes.count, body: body, receivedAt: receivedAt)
        do {
            try await deps.ingestWriter.submit(event)
        } catch is IngestWriter.Overloaded {
            throw APIError(.serviceUnavailable, "Ingest is overloaded; retry shortly", headers: [.retryAfter: "1"])
        } catch is IngestWriter.ShutDown {
            throw APIError(.serviceUnavailable, "Server is shutting down; retry shortly", headers: [.retryAfter: "1"])
        }
        deps.metrics.makeCounter(name: "hookstream_events_stored_total").increment()
        deps.metrics.makeDurationHistogram(name: "hookstream_ingest_duration_seconds", buckets: Self.latencyBuckets)
            .record(ContinuousClock.now - started)
        return .json(["event_id": .string(eventID), "source_id": .string(source.id)])
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// Lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3).
    static func headers(_ fields: HTTPFields) -> JSONObject {
        var out = JSONObject()
        for field in fields {
            let name = field.name.canonicalName
            if case .string(let existing)? = out[name] {
                out[name] = .string(existing + ", " + field.value)
            } else {
                out[name] = .string(field.value)
            }
        }
        return out
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
