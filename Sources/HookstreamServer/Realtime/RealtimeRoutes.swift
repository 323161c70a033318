import HookstreamCore
import Hummingbird
import HummingbirdWebSocket
import JSONValue
import NIOCore
import NIOWebSocket

/// The request context of WebSocket upgrades: the channel (so the hub can cut a client off)
/// and the handler reference Hummingbird's upgrade needs.
struct RealtimeRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// The WebSocket endpoints. Upgrades are answered by their own router (only these paths can
/// upgrade); a plain `GET` of the same path reaches the API router and is told to upgrade.
///
/// A refused connection (bad or missing credentials, an unknown source) is upgraded and then
/// closed at once with an `error` message and the close code 4000 + the HTTP status (4401,
/// 4404): browsers never see the status of a refused upgrade, but they do see close codes.
struct RealtimeRoutes {
    let deps: ServerDependencies

    /// The largest message a `/v1/ws` client may send (subscribe, unsubscribe, ping, pong).
    static let maxControlMessageBytes = 64 * 1024

    func webSocketRouter() -> Router<RealtimeRequestContext> {
        let router = Router(context: RealtimeRequestContext.self)
        router.ws("/v1/ws") { inbound, outbound, context in
            try await stream(inbound: inbound, outbound: outbound, context: context)
        }
        router.ws("/v1/ws/source/:source_id") { inbound, outbound, context in
            try await InboundSourceStream(deps: deps).run(inbound: inbound, outbound: outbound, context: context)
        }
        router.ws("/v1/ws/test/:source_id") { inbound, outbound, context in
            try await TestSessionStream(deps: deps).run(inbound: inbound, outbound: outbound, context: context)
        }
        return router
    }

    /// The API router's side: the route table and OpenAPI know the paths, and a request that
    /// is not an upgrade gets a clear answer.
    func register(on router: Router<AppRequestContext>) {
        for path in ["/v1/ws", "/v1/ws/source/:source_id", "/v1/ws/test/:source_id"] {
            router.get(RouterPath(path)) { request, _ -> Response in
                throw APIError(.upgradeRequired, "GET \(request.uri.path) is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)")
            }
        }
    }

    // MARK: - /v1/ws

    private func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<RealtimeRequestContext>) async throws {
        let tenant: Tenant
        do {
            tenant = try await authenticate(context.request).tenant
        } catch {
            // Any failure, not only a refusal, ends with an answer and a close: a client must
            // never be left on an open connection that will carry nothing.
            try await Self.refuse(APIError.answering(error, path: context.request.uri.path, logger: deps.logger), outbound: outbound)
            return
        }
        let channel = context.requestContext.channel
        let (id, outgoing) = deps.realtime.connect(tenant: tenant) { channel.close(promise: nil) }
        try await Self.pump(deps.realtime, id, outgoing, channel: channel, inbound: inbound, outbound: outbound) { message in
            await handle(message, from: id, tenant: tenant)
        }
    }

    /// Runs a hub connection until either side ends it: the hub's messages written to the
    /// socket as they come, each client message handed to `handle`.
    static func pump(
        _ hub: RealtimeHub, _ id: RealtimeHub.ClientID, _ outgoing: BatchQueue<ByteBuffer>, channel: any Channel,
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, handle: @escaping @Sendable (WebSocketMessage) async -> Void
    ) async throws {
        defer { hub.connectionEnded(id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let messages = await outgoing.next() {
                    try await write(messages, to: channel)
                    hub.sent(id, bytes: messages.reduce(0) { $0 + $1.readableBytes })
                }
                // Ended on purpose: close with the reason (the client's close answer then ends
                // `inbound`, and with it the connection).
                if let farewell = hub.takeFarewell(id) {
                    try await outbound.close(.unknown(farewell.code), reason: farewell.reason)
                }
            }
            for try await message in inbound.messages(maxSize: Self.maxControlMessageBytes) {
                await handle(message)
            }
            group.cancelAll()
        }
    }

    /// Writes the hub's frames (already encoded, ``WebSocketTextFrame``) in one event-loop turn
    /// with one flush, and returns once they are handed to the socket. A client that fell
    /// behind gets its whole backlog in one system call, not one per message, and the bytes are
    /// the buffers the hub encoded once for every client — written below the WebSocket frame
    /// encoder, which would otherwise frame the same payload again per connection. (No
    /// extension is negotiated on these connections, so there is nothing else to apply.)
    static func write(_ frames: [ByteBuffer], to channel: any Channel) async throws {
        try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            let encoder: ChannelHandlerContext
            do {
                encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
            for frame in frames.dropLast() { encoder.write(NIOAny(frame), promise: nil) }
            return encoder.writeAndFlush(NIOAny(frames[frames.count - 1]))
        }.get()
    }

    private func handle(_ message: WebSocketMessage, from id: RealtimeHub.ClientID, tenant: Tenant) async {
        let hub = deps.realtime
        guard case .text(let text) = message else {
            hub.send(RealtimeMessage.error("Messages must be JSON text frames", status: 400), to: id)
            return
        }
        switch RealtimeRequest.parse(text) {
        case .failure(let refusal):
            hub.send(RealtimeMessage.error(refusal.message, status: refusal.status, channel: refusal.channel), to: id)
        case .success(.ping):
            hub.send(RealtimeMessage.pong, to: id)
        case .success(.pong):
            break
        case .success(.unsubscribe(let channel)):
            hub.unsubscribe(id, from: channel)
            hub.send(RealtimeMessage.acknowledgement("unsubscribed", channel: channel), to: id)
        case .success(.subscribe(let channel)):
            do {
                if let resource = channel.resource, try await !exists(channel, in: tenant) {
                    // Another tenant's ID is as unknown as a made-up one (never a 403).
                    hub.send(RealtimeMessage.error("\(resource.kind) \(resource.id) not found", status: 404, channel: channel.description), to: id)
                    return
                }
            } catch {
                deps.logger.error("real-time subscribe lookup failed", metadata: ["error": "\(error)"])
                hub.send(RealtimeMessage.error("Could not subscribe; try again", status: 500, channel: channel.description), to: id)
                return
            }
            switch hub.subscribe(id, to: channel) {
            case .subscribed, .alreadySubscribed:
                hub.send(RealtimeMessage.acknowledgement("subscribed", channel: channel), to: id)
            case .limitReached:
                hub.send(
                    RealtimeMessage.error(
                        "A connection follows at most \(hub.configuration.maxSubscriptions) channels; unsubscribe from one first", status: 400,
                        channel: channel.description), to: id)
            case .unknownClient:
                break
            }
        }
    }

    /// Whether the resource a channel names belongs to the tenant.
    private func exists(_ channel: RealtimeChannel, in tenant: Tenant) async throws -> Bool {
        switch channel {
        case .events, .deliveries, .issues: true
        case .sourceEvents(let id): try await deps.store.source(id: id, tenant: tenant) != nil
        case .destinationDeliveries(let id): try await deps.store.destination(id: id, tenant: tenant) != nil
        case .collection(let id): try await deps.store.collection(id: id, tenant: tenant) != nil
        }
    }

    // MARK: - Shared

    /// The caller of an upgrade: the `token` query parameter (or an `X-API-Key` header, for
    /// clients that can send one), else the session cookie.
    /// - Throws: `APIError` 401.
    func authenticate(_ request: Request) async throws -> Identity {
        let credentials = Credentials(store: deps.store, apiKeys: deps.apiKeys, usage: deps.usage)
        if let key = request.uri.queryParameters.get("token") ?? request.headers[.apiKey] {
            guard let identity = try await credentials.apiKey(key) else { throw APIError(.unauthorized, "Invalid API key") }
            return identity
        }
        if let token = SessionCookie.token(in: request), let identity = try await credentials.session(token) {
            return identity
        }
        throw APIError(.unauthorized, "Not authenticated: pass your API key as the 'token' query parameter, or sign in")
    }

    /// Sends the error as a message, then closes with 4000 + its status.
    static func refuse(_ error: APIError, outbound: WebSocketOutboundWriter) async throws {
        // Frames written the instant the handler starts can reach the client in the same read
        // as the 101 answer; Hummingbird's WebSocket client then lost them (2 of 5 runs of the
        // refusal tests, 0 of 5 with a 50 ms pause; a CI run under the whole suite's load lost
        // them again after 50 ms). A refused client waits 250 ms for its answer.
        try await Task.sleep(for: .milliseconds(250))
        let status = Int(error.status.code)
        let message = RealtimeMessage.error(error.message, status: status)
        try await outbound.write(.text(String(decoding: message.serializedBytes(), as: UTF8.self)))
        // A close reason is limited to 123 bytes.
        try await outbound.close(.unknown(UInt16(4000 + status)), reason: String(decoding: error.message.utf8.prefix(120), as: UTF8.self))
    }
}
