import HookstreamCore
import Hummingbird
import HummingbirdWebSocket
import JSONValue

/// `GET /v1/ws/test/:source_id`: a test session's live feed — each request the session's URL
/// receives, as `{type: "event", channel: "events:<id>", data: <the event>}` once committed.
/// What `hookstream listen` follows.
///
/// A session needs no credentials (its ID is the secret, as for the rest of the session API).
/// Any other source — a claimed session included — is followed with a `token` (or session
/// cookie) of its own organization, so `listen --source` works on ordinary sources too.
/// An expired session is refused with close code 4410, an unknown one with 4404. Claiming or
/// deleting the session ends its open feeds (see ``sessionEnded(_:claimed:hub:)``).
///
/// The client may send `{"type":"ping"}` (answered `pong`); the hub's heartbeat applies.
struct TestSessionStream {
    let deps: ServerDependencies

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<RealtimeRequestContext>) async throws {
        let tenant: Tenant
        let sourceID: String
        do {
            (tenant, sourceID) = try await admit(context)
        } catch {
            try await RealtimeRoutes.refuse(APIError.answering(error, path: context.request.uri.path, logger: deps.logger), outbound: outbound)
            return
        }
        let hub = deps.realtime
        let channel = context.requestContext.channel
        let followed = RealtimeChannel.sourceEvents(sourceID)
        let welcome: JSON = [
            "type": "welcome", "source_id": .string(sourceID), "channels": [.string(followed.description)],
            "heartbeat_seconds": .number(hub.configuration.heartbeatSeconds),
        ]
        let (id, outgoing) = hub.connect(tenant: tenant, channels: [followed], welcome: welcome) { channel.close(promise: nil) }
        try await RealtimeRoutes.pump(hub, id, outgoing, channel: channel, inbound: inbound, outbound: outbound) { message in
            guard case .text(let text) = message, case .success(.ping) = RealtimeRequest.parse(text) else {
                if case .text = message { return }  // pongs and anything else: nothing to answer
                hub.send(RealtimeMessage.error("Messages must be JSON text frames", status: 400), to: id)
                return
            }
            hub.send(RealtimeMessage.pong, to: id)
        }
    }

    /// The tenant whose events the connection follows, and the source.
    private func admit(_ context: WebSocketRouterContext<RealtimeRequestContext>) async throws -> (Tenant, String) {
        guard let id = context.requestContext.parameters.get("source_id"), ResourceID.isWellFormed(id, .source) else {
            throw APIError.notFound("Test session")
        }
        if let session = try await deps.store.testSession(id: id) {
            if session.isExpired(now: deps.configuration.clock.nowMillis) { throw APIError(.gone, "This test session has expired") }
            return (TestSession.anonymousTenant, id)
        }
        let request = context.request
        guard request.uri.queryParameters.get("token") != nil || request.headers[.apiKey] != nil || SessionCookie.token(in: request) != nil else {
            throw APIError.notFound("Test session")
        }
        let identity = try await RealtimeRoutes(deps: deps).authenticate(request)
        guard try await deps.store.source(id: id, tenant: identity.tenant) != nil else { throw APIError.notFound("Source") }
        return (identity.tenant, id)
    }

    /// Ends the open feeds of a session that was claimed or deleted: they would get nothing
    /// more (a claimed source's events belong to its organization now), so each gets an
    /// `error` message saying why, then close code 4410 with the same reason — which
    /// `hookstream listen` prints before it exits instead of reconnecting.
    ///
    /// - Parameter relayed: the session ended on another node (see `RealtimeRelay`); otherwise
    ///   the other nodes are told, to end the feeds their clients follow.
    @discardableResult
    static func sessionEnded(_ sessionID: String, claimed: Bool, hub: RealtimeHub, relayed: Bool = false) -> Int {
        if !relayed, let relay = hub.relay {
            relay.append(
                RealtimeRelayItem(
                    type: "test_session_ended", channels: [.sourceEvents(sessionID)], tenant: TestSession.anonymousTenant,
                    subject: .testSessionEnded(sessionID, claimed: claimed)))
        }
        let message =
            claimed
            ? "This test session was claimed into an organization; follow it with that organization's API key (hookstream listen --source \(sessionID))"
            : "This test session was deleted"
        let reason = claimed ? "Test session claimed; follow its source with an API key of the claiming organization" : "Test session deleted"
        return hub.end(
            followersOf: .sourceEvents(sessionID), in: TestSession.anonymousTenant,
            lastMessage: RealtimeMessage.error(message, status: 410), farewell: .init(code: 4410, reason: reason))
    }
}
