import HTTPTypes
import HookstreamCore
import JSONValue
import Logging
import NIOCore
import NIOHTTPTypes
import Prometheus

/// Answers `/v1/ingest/*` straight from the HTTP/1 channel, beside the router on the same
/// listener.
///
/// Ingest is the one path whose rate is the product's: through the router every request pays
/// for the connection's async stream, the request context, the route lookup and five
/// middleware calls before ingest does anything. Here the request's parts are collected on the
/// event loop and the answer is prepared in one task by ``IngestResponder`` — the same
/// endpoint, rate limit, error bodies and metrics as through the router. Requests that are not
/// ingest pass on to the router untouched; who answers which request is decided by
/// ``IngestConnectionStateMachine``, so answers keep the order of the requests.
///
/// Sits after ``ExpectContinueHandler`` (which has already answered `Expect: 100-continue`)
/// and before Hummingbird's connection handler.
final class IngestFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var machine: IngestConnectionStateMachine
    private let responder: IngestResponder
    /// The write of the fast path's last answer: the connection closes only after it is out.
    private var lastAnswer: EventLoopFuture<Void>?

    init(responder: IngestResponder) {
        self.responder = responder
        self.machine = IngestConnectionStateMachine(maxBodyBytes: responder.maxBodyBytes, classify: Self.route)
    }

    /// Byte-wise: this runs for every request on the event loop, and `Character` searches on
    /// `String` were a measurable share of it. A publish without an API key (a dashboard
    /// session) is left to the router, which knows cookies.
    static func route(_ head: HTTPRequest) -> IngestConnectionStateMachine.Route? {
        guard let path = head.path else { return nil }
        if path.utf8.starts(with: IngestEndpoint.pathPrefix.utf8) {
            guard IngestEndpoint.methods.contains(head.method) else { return nil }
            let id = path.utf8.dropFirst(IngestEndpoint.pathPrefix.utf8.count).prefix { $0 != UInt8(ascii: "?") }
            guard !id.isEmpty, !id.contains(UInt8(ascii: "/")) else { return nil }
            return .ingest(sourceID: String(Substring(id)))
        }
        guard head.method == .post, head.headerFields[.apiKey] != nil, let topic = PublishEndpoint.topic(inPath: path) else { return nil }
        return .publish(topic: topic)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        run(machine.received(unwrapInboundIn(data)), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's answers come through here; the fast path writes below itself.
        let ended: Bool
        if case .end = unwrapOutboundIn(data) { ended = true } else { ended = false }
        context.write(data, promise: promise)
        if ended { run(machine.routerAnswered(), context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if machine.mayRead() { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        run(machine.quiesce(), context: context)
    }

    private func run(_ actions: [IngestConnectionStateMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .forward(let part): context.fireChannelRead(wrapInboundOut(part))
            case .answer(let ingest): answer(ingest, context: context)
            case .read: context.read()
            case .quiesce: context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            case .close:
                let channel = context.channel
                if let lastAnswer { lastAnswer.whenComplete { _ in channel.close(promise: nil) } } else { channel.close(promise: nil) }
            }
        }
    }

    private func answer(_ ingest: IngestConnectionStateMachine.Ingest, context: ChannelHandlerContext) {
        let responder = responder
        let peer = context.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await responder.respond(to: ingest, peer: peer)
        }.whenSuccess { answer in
            let (handler, context) = bound.value
            handler.write(answer, for: ingest, context: context)
        }
    }

    private func write(_ answer: IngestResponder.Answer, for ingest: IngestConnectionStateMachine.Ingest, context: ChannelHandlerContext) {
        var head = answer.head
        if ingest.closeAfter { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if ingest.head.method != .head, answer.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        }
        lastAnswer = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let actions = machine.answered()
        run(actions, context: context)
        // Parts replayed to the router outside a socket read: the router's side hands what
        // it was given on to its reader only at the end of a read.
        if actions.contains(where: { if case .forward = $0 { true } else { false } }) { context.fireChannelReadComplete() }
    }
}

/// Prepares a fast-path answer: the request ID, the rate limit, the API key for a publish, the
/// endpoint, the standard error body, the common headers and the request metric — what the
/// router's middleware does for the same request.
struct IngestResponder: Sendable {
    let endpoint: IngestEndpoint
    let publisher: PublishEndpoint
    /// The per-client-IP limit public paths share with the router's rate-limit middleware.
    let limiter: RateLimiter?
    /// The per-organization limit of authenticated requests, shared with the router.
    let apiLimiter: RateLimiter?
    let dates: HTTPDateCache

    struct Answer: Sendable {
        var head: HTTPResponse
        var body: ByteBuffer
    }

    var maxBodyBytes: Int { endpoint.deps.configuration.maxBodyBytes }

    func respond(to ingest: IngestConnectionStateMachine.Ingest, peer: IPAddress?) async -> Answer {
        let deps = endpoint.deps
        let requestID = ResourceID.random(.request)
        let request = ingest.head
        let target = request.path ?? "/"
        var headers = HTTPFields()
        var rateLimitHeaders = HTTPFields()
        var status = HTTPResponse.Status.ok
        var bytes: [UInt8]
        var contentType = "application/json; charset=utf-8"
        let route: String
        if case .publish = ingest.route { route = PublishEndpoint.route } else { route = IngestEndpoint.route }
        do {
            let now = deps.configuration.clock.now
            switch ingest.route {
            case .ingest(let sourceID):
                if let limiter {
                    let client = deps.clientAddresses.resolve(
                        peer: peer, headers: request.headerFields.map { (name: $0.name.canonicalName, value: $0.value) })
                    let decision = limiter.take("ip:" + (client?.description ?? "unknown"), now: now)
                    if let refusal = decision.refusal(now: now) { throw refusal }
                    rateLimitHeaders = decision.headers
                }
                let call = IngestEndpoint.Call(method: request.method, sourceID: sourceID, target: target, headers: request.headerFields, peer: peer)
                let answer = try await endpoint.answer(call) {
                    guard let body = ingest.body else { throw endpoint.bodyTooLarge }
                    return [UInt8](body.readableBytesView)
                }
                (status, bytes, contentType, headers) = (answer.status, answer.body, answer.contentType, answer.headers)
            case .publish(let topic):
                let key = request.headerFields[.apiKey] ?? ""
                guard APIKey.isWellFormed(key), let record = try await deps.apiKeys.record(hash: APIKey.hash(key)) else {
                    throw APIError(.unauthorized, "Invalid API key")
                }
                deps.usage.record(keyID: record.id, at: Timestamp.millis(now))
                if let apiLimiter {
                    let decision = apiLimiter.take("org:" + record.organizationID, now: now)
                    if let refusal = decision.refusal(now: now) { throw refusal }
                    rateLimitHeaders = decision.headers
                }
                guard let body = ingest.body else { throw publisher.bodyTooLarge }
                bytes = try await publisher.publish(
                    tenant: Tenant(organizationID: record.organizationID, environmentID: record.environmentID), topic: topic,
                    bytes: [UInt8](body.readableBytesView), headers: request.headerFields.map { (name: $0.name.canonicalName, value: $0.value) },
                    peer: peer).serializedBytes()
            }
            headers.append(contentsOf: rateLimitHeaders)
        } catch {
            let apiError = APIError.answering(error, path: target, logger: deps.logger)
            status = apiError.status
            bytes = apiError.body(requestID: requestID).serializedBytes()
            contentType = "application/json; charset=utf-8"
            headers = apiError.headers
            headers.append(contentsOf: rateLimitHeaders)
        }
        headers[.contentType] = contentType
        headers[.contentLength] = String(bytes.count)
        headers[.requestID] = requestID
        headers[.date] = dates.current()
        headers[.server] = "hookstream"
        deps.instruments.countRequest(route: route, method: request.method.rawValue, status: Int(status.code))
        return Answer(head: HTTPResponse(status: status, headerFields: headers), body: ByteBuffer(bytes: bytes))
    }
}
