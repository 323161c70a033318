import Foundation
import HookstreamCore
import HookstreamDelivery
import HTTPTypes
import Hummingbird
import JSONValue
import NIOCore

/// A test session's part of ingest: the turn of its request limit before the request is
/// read, and after the commit the extras row, the forwarding and the configured answer.
struct TestSessionIngest {
    let deps: ServerDependencies

    /// How long a forward may take; a target that hangs is recorded as timed out.
    static let forwardTimeoutSeconds = 30.0

    /// Takes one of the session's requests.
    /// - Throws: `APIError` 410 (expired), 429 (request limit reached) or 404 (deleted meanwhile).
    func admit(_ sessionID: String) async throws -> TestSession {
        switch try await deps.store.admitTestRequest(sessionID: sessionID, now: deps.configuration.clock.nowMillis) {
        case .admitted(let session): return session
        case .expired: throw APIError(.gone, "This test session has expired")
        case .overLimit(let session):
            throw APIError(.tooManyRequests, "This test session has received its limit of \(session.requestLimit) requests")
        case .notFound: throw APIError.notFound("Source")
        }
    }

    /// The event is committed: records what it was answered with, starts the forward (never
    /// awaited: the sender's answer does not wait for the target), and builds the answer.
    func committed(eventID: String, session: TestSession, arrival: IngestPipeline.Arrival, ordinary: JSONObject) async -> IngestEndpoint.Answer {
        let response = session.response
        do {
            try await deps.store.recordTestEvent(eventID: eventID, sessionID: session.id, responseStatus: response.statusCode)
        } catch {
            // The event itself is durable; only its extras row is missing (notes still work).
            deps.logger.warning("test session: could not record the answered status", metadata: ["event_id": "\(eventID)", "error": "\(error)"])
        }
        if let url = session.forwardURL { forward(eventID: eventID, arrival: arrival, to: url) }
        var answer = IngestEndpoint.Answer.json(ordinary)
        answer.status = HTTPResponse.Status(code: response.statusCode)
        if let body = response.body {
            answer.body = Array(body.utf8)
            answer.contentType = response.contentType
        }
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { answer.headers[field] = value }
        }
        return answer
    }

    private func forward(eventID: String, arrival: IngestPipeline.Arrival, to url: String) {
        let (store, outbound, clock, logger) = (deps.store, deps.outbound, deps.configuration.clock, deps.logger)
        let request = RequestRelay.Request(method: arrival.method, headers: arrival.headers, body: ByteBuffer(bytes: arrival.body))
        let target = Self.target(url, query: arrival.url)
        Task.detached {
            let started = ContinuousClock.now
            let result: TestEventRecord.ForwardResult
            do {
                let answer = try await RequestRelay.send(
                    request, to: target, client: outbound, audience: .anonymous, timeoutSeconds: Self.forwardTimeoutSeconds,
                    extraHeaders: [("X-hookstream-Event-Id", eventID)], maxResponseBytes: 64 * 1024)
                result = .init(url: url, status: Int(answer.status.code), latencyMillis: answer.latencyMillis, error: nil, forwardedAt: clock.nowMillis)
            } catch {
                let elapsed = ContinuousClock.now - started
                let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                result = .init(url: url, status: nil, latencyMillis: millis, error: "\(error)", forwardedAt: clock.nowMillis)
            }
            do {
                try await store.recordTestForward(eventID: eventID, result: result)
            } catch {
                logger.warning("test session: could not record a forward", metadata: ["event_id": "\(eventID)", "error": "\(error)"])
            }
        }
    }

    /// The forwarding URL with the request's query string appended.
    static func target(_ url: String, query requestURL: String) -> String {
        guard let mark = requestURL.firstIndex(of: "?") else { return url }
        return RequestRelay.url(url, appendingQuery: requestURL[requestURL.index(after: mark)...])
    }
}
