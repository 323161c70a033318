import Foundation
import HookstreamCore
import HookstreamStore
import JSONSchema
import JSONValue
import NIOPosix

/// What ingest does with a request, as steps: screen (IP lists) → verify (signature, schema)
/// → stamp (dedup key and window) → build the event → keep its body → route and commit →
/// answer. The deciding steps are pure functions of the source's policy and the request; the
/// I/O (blob write, the commit through ``EventRouting``) happens in ``accept(_:source:)``.
///
/// A refused request is not an event: nothing is stored, and it is counted per source and
/// reason in `/metrics`.
struct IngestPipeline: Sendable {
    let deps: ServerDependencies

    /// The request as it arrived, reduced to what ingest needs.
    struct Arrival: Sendable {
        var method: String
        /// The URL the sender called (Twilio signs it).
        var url: String
        var headers: [(name: String, value: String)]
        var query: JSONObject
        var contentType: String?
        var clientIP: IPAddress?
        var body: [UInt8]
    }

    /// Why a request is refused, and what it is answered with.
    struct Refusal: Error {
        /// The `reason` label of the refusal counter.
        var reason: String
        var error: APIError
    }

    // MARK: Pure steps

    /// The IP lists (403).
    static func screen(_ policy: SourcePolicy, clientIP: IPAddress?) -> Refusal? {
        guard let filter = policy.ipFilter, case .denied(let reason) = filter.evaluate(clientIP) else { return nil }
        return Refusal(reason: "ip_denied", error: APIError(.forbidden, "Forbidden: \(reason)"))
    }

    /// Signature (401), then the JSON Schema (422 in reject mode); on success the event's
    /// `verification_status`.
    static func verify(_ policy: SourcePolicy, _ arrival: Arrival, now: Date) -> Result<Event.VerificationStatus, Refusal> {
        var status = Event.VerificationStatus.unverified
        if let verification = policy.verification {
            let signed = SignedRequest(method: arrival.method, url: arrival.url, headers: arrival.headers, body: arrival.body, now: now)
            if case .failed(let reason) = SignatureVerifier.verify(signed, config: verification) {
                return .failure(Refusal(reason: "signature", error: APIError(.unauthorized, "Signature verification failed: \(reason)")))
            }
            status = .verified
        }
        if let schema = policy.schema {
            let errors: [JSONSchema.ValidationError]
            if let payload = try? JSON(parsing: arrival.body) {
                errors = schema.validate(payload)
            } else {
                errors = [JSONSchema.ValidationError(path: "", message: "body is not valid JSON")]
            }
            if !errors.isEmpty {
                guard !policy.rejectsInvalidPayloads else {
                    let listed = errors.prefix(50).map { JSON.object(["path": .string($0.path), "message": .string($0.message)]) }
                    return .failure(
                        Refusal(
                            reason: "schema",
                            error: APIError(
                                .unprocessableContent, "Payload does not match the source's JSON Schema",
                                extra: ["validation_errors": .array(Array(listed))])))
                }
                status = .schemaInvalid
            }
        }
        return .success(status)
    }

    /// The request's dedup key and the end of its window, counted from `receivedAt` (the
    /// injected clock's time), or `nil` when the source does not deduplicate or the request
    /// carries no key.
    static func dedupStamp(_ policy: SourcePolicy, _ arrival: Arrival, receivedAt: Int64) -> DedupStamp? {
        guard let dedup = policy.dedup, let key = dedup.key(headers: arrival.headers, body: arrival.body) else { return nil }
        return DedupStamp(keyHash: sha256Hex(key), expiresAt: receivedAt + Int64(dedup.windowSeconds * 1000))
    }

    /// The event to store; `body` says where its bytes live.
    static func event(
        id: String, source: Source, _ arrival: Arrival, body: EventBody, verificationStatus: Event.VerificationStatus, receivedAt: Int64
    ) -> Event {
        Event(
            id: id, tenant: source.tenant, sourceID: source.id, method: arrival.method, headers: headers(arrival.headers),
            query: arrival.query, contentType: arrival.contentType, sourceIP: arrival.clientIP?.description,
            bodySize: arrival.body.count, body: body, verificationStatus: verificationStatus, receivedAt: receivedAt)
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

    // MARK: Running it

    /// Verifies, stores and routes one request; returns once the event (or, for a duplicate,
    /// its record) is durably committed.
    /// - Throws: ``Refusal`` for a request that is refused, `APIError` 503 when ingest sheds
    ///   load or shuts down, or a storage error.
    func accept(_ arrival: Arrival, source entry: SourceCache.Entry) async throws -> IngestOutcome {
        let source = entry.source
        let now = deps.configuration.clock.now
        let verificationStatus: Event.VerificationStatus
        switch Self.verify(entry.policy, arrival, now: now) {
        case .success(let status): verificationStatus = status
        case .failure(let refusal): throw refusal
        }
        let receivedAt = Timestamp.millis(now)
        let eventID = ResourceID.make(.event, now: now)
        let event = Self.event(
            id: eventID, source: source, arrival, body: .inline(arrival.body), verificationStatus: verificationStatus, receivedAt: receivedAt)
        return try await commit(event, bytes: arrival.body, dedup: Self.dedupStamp(entry.policy, arrival, receivedAt: receivedAt))
    }

    /// Keeps the body (in the blob store when large) and routes and commits the event; returns
    /// once it is durable. Shared by ingest and topic publishing, which differ only in what they
    /// check before.
    /// - Throws: `APIError` 503 when ingest sheds load or shuts down, or a storage error.
    func commit(_ event: Event, bytes: [UInt8], dedup: DedupStamp?) async throws -> IngestOutcome {
        var event = event
        let body = try await keep(bytes, eventID: event.id, organizationID: event.tenant.organizationID, receivedAt: event.receivedAt)
        event.body = body
        do {
            guard case .stored(let outcome) = try await deps.routing.route(.arrival(event, body: bytes, dedup: dedup))
            else { preconditionFailure("an arrival is answered with its stored outcome") }
            return outcome
        } catch {
            // The body file written above belongs to no event when nothing was stored.
            if case .blob(let key) = body, Self.storedNothing(error) { deps.blobs.remove(key: key) }
            switch error {
            case GroupCommitError.overloaded:
                throw APIError(.serviceUnavailable, "Ingest is overloaded; retry shortly", headers: [.retryAfter: "1"])
            case GroupCommitError.shutDown:
                throw APIError(.serviceUnavailable, "Server is shutting down; retry shortly", headers: [.retryAfter: "1"])
            default:
                throw error
            }
        }
    }

    /// A body above the blob store's inline limit is written to it (and fsynced) before the row
    /// that refers to it is committed, so a committed row never points at a missing file.
    private func keep(_ bytes: [UInt8], eventID: String, organizationID: String, receivedAt: Int64) async throws -> EventBody {
        guard bytes.count > deps.blobs.inlineLimit else { return .inline(bytes) }
        let key = deps.blobs.key(for: eventID, organizationID: organizationID, receivedAt: receivedAt)
        // File writes and fsync block; keep them off the event loops.
        let blobs = deps.blobs
        try await NIOThreadPool.singleton.runIfActive { try blobs.write(bytes, key: key) }
        return .blob(key: key)
    }

    /// Errors after which certainly no event row exists.
    private static func storedNothing(_ error: any Error) -> Bool {
        switch error {
        case GroupCommitError.overloaded, GroupCommitError.shutDown, StoreError.storageFull: return true
        default: return false
        }
    }
}
