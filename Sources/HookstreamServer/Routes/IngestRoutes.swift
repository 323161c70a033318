import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import HummingbirdCore
import JSONSchema
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

    /// Checks run in the documented order — denylist and allowlist (403), signature (401),
    /// schema in reject mode (422) — before anything is stored; then deduplication and the
    /// durable write. A refused request is not an event, but it is counted per source and
    /// reason in `/metrics`.
    @Sendable func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let sourceID = try context.parameters.require("source_id")
        guard ResourceID.isWellFormed(sourceID, .source), let cached = try await deps.sources.entry(id: sourceID) else {
            throw APIError.notFound("Source")
        }
        let source = cached.source
        let policy = cached.policy
        let headerPairs = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let clientIP = deps.clientAddresses.resolve(peer: context.peer, headers: headerPairs)

        if let filter = policy.ipFilter, case .denied(let reason) = filter.evaluate(clientIP) {
            throw refused(source, "ip_denied", APIError(.forbidden, "Forbidden: \(reason)"))
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: deps.configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw refused(source, "too_large", APIError(.contentTooLarge, "Body exceeds the \(deps.configuration.maxBodyBytes)-byte limit"))
        }
        let bytes = [UInt8](buffer.readableBytesView)
        let now = Date()

        var verificationStatus = "unverified"
        if let verification = policy.verification {
            let signed = SignedRequest(method: request.method.rawValue, url: publicURL(request.uri), headers: headerPairs, body: bytes, now: now)
            if case .failed(let reason) = SignatureVerifier.verify(signed, config: verification) {
                throw refused(source, "signature", APIError(.unauthorized, "Signature verification failed: \(reason)"))
            }
            verificationStatus = "verified"
        }
        if let schema = policy.schema {
            let errors: [JSONSchema.ValidationError]
            if let payload = try? JSON(parsing: bytes) {
                errors = schema.validate(payload)
            } else {
                errors = [JSONSchema.ValidationError(path: "", message: "body is not valid JSON")]
            }
            if !errors.isEmpty {
                if policy.rejectsInvalidPayloads {
                    let listed = errors.prefix(50).map { JSON.object(["path": .string($0.path), "message": .string($0.message)]) }
                    throw refused(
                        source, "schema",
                        APIError(.unprocessableContent, "Payload does not match the source's JSON Schema", extra: ["validation_errors": .array(Array(listed))]))
                }
                verificationStatus = "schema_invalid"
            }
        }

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
            headers: Self.headers(headerPairs), query: Self.query(request.uri), contentType: request.headers[.contentType],
            sourceIP: clientIP?.description, bodySize: bytes.count, body: body,
            verificationStatus: verificationStatus, receivedAt: receivedAt)
        let routes = cached.router.routes {
            FilterInput(
                body: try? JSON(parsing: bytes), headers: event.headers, method: event.method, contentType: event.contentType,
                sourceIP: event.sourceIP, query: event.query)
        }
        var incoming = IncomingEvent(event: event, routes: routes)
        if let dedup = policy.dedup, let key = dedup.key(headers: headerPairs, body: bytes) {
            incoming.dedupKeyHash = sha256Hex(key)
            incoming.dedupExpiresAt = receivedAt + Int64(dedup.windowSeconds * 1000)
        }
        let outcome: IngestOutcome
        do {
            outcome = try await deps.ingestWriter.submit(incoming)
        } catch {
            let storedNothing: Bool
            switch error {
            case GroupCommitError.overloaded, GroupCommitError.shutDown, StoreError.storageFull: storedNothing = true
            default: storedNothing = false
            }
            // The body file written above belongs to no event now.
            if storedNothing, case .blob(let key) = body { deps.blobs.remove(key: key) }
            switch error {
            case GroupCommitError.overloaded:
                throw APIError(.serviceUnavailable, "Ingest is overloaded; retry shortly", headers: [.retryAfter: "1"])
            case GroupCommitError.shutDown:
                throw APIError(.serviceUnavailable, "Server is shutting down; retry shortly", headers: [.retryAfter: "1"])
            default:
                throw error
            }
        }
        if !outcome.duplicate {
            for destinationID in Set(routes.map(\.destinationID)) { deps.delivery.wake(destinationID: destinationID) }
        }
        deps.metrics.makeCounter(descriptor: GatewayMetrics.eventsStored).increment()
        deps.metrics.makeDurationHistogram(descriptor: GatewayMetrics.ingestDuration, buckets: GatewayMetrics.latencyBuckets)
            .record(ContinuousClock.now - started)
        if outcome.duplicate {
            deps.metrics.makeCounter(descriptor: GatewayMetrics.ingestDuplicates, labels: [("source_id", source.id)]).increment()
            return .json(["event_id": .string(outcome.eventID), "source_id": .string(source.id), "duplicate": true])
        }
        return .json(["event_id": .string(outcome.eventID), "source_id": .string(source.id)])
    }

    /// Counts a refused request for its source and reason, and returns the error to answer.
    private func refused(_ source: Source, _ reason: String, _ error: APIError) -> APIError {
        deps.metrics.makeCounter(descriptor: GatewayMetrics.ingestRejected, labels: [("source_id", source.id), ("reason", reason)]).increment()
        return error
    }

    /// The URL the sender called, as it would have seen it (Twilio signs it): the public base
    /// URL with the raw path and query of this request.
    private func publicURL(_ uri: URI) -> String {
        deps.baseURL.string + uri.description
    }

    /// Lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3).
    static func headers(_ fields: [(name: String, value: String)]) -> JSONObject {
        var out = JSONObject()
        for field in fields {
            if case .string(let existing)? = out[field.name] {
                out[field.name] = .string(existing + ", " + field.value)
            } else {
                out[field.name] = .string(field.value)
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
