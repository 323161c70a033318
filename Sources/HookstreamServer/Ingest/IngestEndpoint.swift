import HookstreamCore
import Hummingbird
import HummingbirdCore
import JSONValue

/// `ANY /v1/ingest/:source_id`, apart from the HTTP server that carries it: find the source,
/// screen the caller, read the body within the limit, hand it to ``IngestPipeline``, answer.
/// Both ways a request reaches ingest use it — ``IngestFastPath`` straight from the channel,
/// and the router's ``IngestRoutes`` — so they cannot drift apart.
///
/// The answer `{"event_id", "source_id"}` is given only after the event and its routing
/// decision are committed. A paused source answers the same way: its events are stored and
/// held, never refused.
struct IngestEndpoint: Sendable {
    let deps: ServerDependencies

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]
    /// The route pattern, as `/metrics` labels it.
    static let route = "/v1/ingest/{source_id}"
    static let pathPrefix = "/v1/ingest/"

    /// One ingest request, without its body.
    struct Call: Sendable {
        var method: HTTPRequest.Method
        var sourceID: String
        /// The request target as sent: path and query.
        var target: String
        var headers: HTTPFields
        /// The TCP peer; the client address is resolved from it and the forwarding headers.
        var peer: IPAddress?
    }

    /// What an ingest request is answered with: `{"event_id", "source_id"}`, or for a test
    /// session the response its owner configured.
    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var contentType = "application/json; charset=utf-8"
        var headers = HTTPFields()
        var body: [UInt8]

        static func json(_ object: JSONObject) -> Answer { Answer(body: JSON.object(object).serializedBytes()) }
    }

    /// The refusal a body reader throws once the body passes `--max-body-bytes`.
    var bodyTooLarge: IngestPipeline.Refusal {
        IngestPipeline.Refusal(
            reason: "too_large", error: APIError(.contentTooLarge, "Body exceeds the \(deps.configuration.maxBodyBytes)-byte limit"))
    }

    /// The source's ID when `path` is an ingest path (`/v1/ingest/<one segment>`).
    static func sourceID(inPath path: Substring) -> Substring? {
        guard path.hasPrefix(pathPrefix) else { return nil }
        let id = path.dropFirst(pathPrefix.count)
        return id.isEmpty || id.contains("/") ? nil : id
    }

    /// Checks run in the documented order — denylist and allowlist (403) before the body is
    /// read, then signature (401) and schema in reject mode (422) — before anything is stored.
    /// - Parameter body: reads the body, throwing ``bodyTooLarge`` past the limit.
    /// A test session's source (see ``TestSession``) first takes a turn of its request limit
    /// (410 once expired, 429 past the limit) and after the commit answers as configured.
    /// - Returns: the answer, once the event is committed.
    func answer(_ call: Call, body readBody: () async throws -> [UInt8]) async throws -> Answer {
        let started = ContinuousClock.now
        guard ResourceID.isWellFormed(call.sourceID, .source), let entry = try await deps.sources.entry(id: call.sourceID) else {
            throw APIError.notFound("Source")
        }
        let source = entry.source
        // A database source's events come from its database only: a request cannot forge one.
        guard source.kind == .webhook else { throw APIError.notFound("Source") }
        let session = source.tenant == TestSession.anonymousTenant ? try await TestSessionIngest(deps: deps).admit(source.id) : nil
        let headerPairs = call.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        let clientIP = deps.clientAddresses.resolve(peer: call.peer, headers: headerPairs)
        do {
            if let refusal = IngestPipeline.screen(entry.policy, clientIP: clientIP) { throw refusal }
            let body = try await readBody()
            let uri = URI(call.target)
            let arrival = IngestPipeline.Arrival(
                method: call.method.rawValue, url: deps.baseURL.string + call.target, headers: headerPairs,
                query: Self.query(uri), contentType: call.headers[.contentType], clientIP: clientIP, body: body)
            let outcome = try await IngestPipeline(deps: deps).accept(arrival, source: entry)
            deps.instruments.eventsStored.increment()
            deps.instruments.ingestDuration.record(ContinuousClock.now - started)
            var answer: JSONObject = ["event_id": .string(outcome.eventID), "source_id": .string(source.id)]
            if outcome.duplicate {
                deps.instruments.counter(.ingestDuplicates, [("source_id", source.id)]).increment()
                answer["duplicate"] = true
            }
            if let session {
                return await TestSessionIngest(deps: deps).committed(eventID: outcome.eventID, session: session, arrival: arrival, ordinary: answer)
            }
            return .json(answer)
        } catch let refusal as IngestPipeline.Refusal {
            deps.instruments.counter(.ingestRejected, [("source_id", source.id), ("reason", refusal.reason)]).increment()
            throw refusal.error
        }
    }

    /// Query parameters; a repeated parameter becomes an array of its values.
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
