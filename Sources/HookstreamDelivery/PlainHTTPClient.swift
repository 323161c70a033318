import HookstreamCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Sends plain-`http` requests over kept-alive HTTP/1.1 connections, one request at a time per
/// connection, and reads each answer whole (up to a byte limit).
///
/// Why not AsyncHTTPClient, which sends `https` and everything else: profiling a delivery drain
/// put a third of the server's CPU in it, for requests that are small, never streamed and go to
/// a handful of receivers over and over. Its request and connection state machines, the
/// streaming body bridge and the task-group deadline around each request cost more than the
/// exchange itself; and it flushes the request head and body separately, two `write`s where one
/// does. Here the request is encoded by NIO's `HTTPRequestEncoder` (which also refuses header
/// names and values that could split the request) and written with a single flush, the answer
/// parsed by NIO's `HTTPResponseDecoder`, and the deadline is one timer on the connection's
/// event loop.
///
/// Connections are kept per address and port (the caller has already checked the address
/// against the outbound policy). A connection is reused only after a complete exchange that
/// both sides meant to keep alive; anything else (a timeout, a truncated answer, an error, an
/// answer that came before the request was written) closes it. Idle connections are closed
/// after 4 seconds by default, shorter than the usual server keep-alive timeouts (Node's is 5 s), so
/// a request is rarely written to a connection its receiver is closing at that moment; when one
/// is, and the connection ends before any of the answer came, the request is sent once more on a
/// new connection instead of failing the attempt.
final class PlainHTTPClient: Sendable {
    struct Endpoint: Hashable, Sendable {
        var address: IPAddress
        var port: Int
    }

    /// A request ready to send: `target` is the path and query (origin form).
    struct Request: Sendable {
        var method: HTTPMethod
        var target: String
        var headers: HTTPHeaders
        var body: ByteBuffer?
    }

    private let group: any EventLoopGroup
    private let idleLimit: Int
    private let idleTimeout: TimeAmount
    private let pool = Mutex(Pool())

    private struct Pool {
        var idle: [Endpoint: [IdleConnection]] = [:]
        /// Endpoints with a sweep of their idle connections scheduled: one timer per endpoint,
        /// not one per returned connection (thousands a second would crowd the event loop's
        /// timer queue, and cancelling a timer there searches it).
        var sweeping: Set<Endpoint> = []
        var shutDown = false
    }

    private struct IdleConnection {
        var channel: any Channel
        var since: NIODeadline
    }

    /// - Parameters:
    ///   - idleLimit: idle connections kept per endpoint; more are closed when returned.
    ///   - idleTimeout: how long a connection may stay idle before it is closed.
    init(group: any EventLoopGroup, idleLimit: Int, idleTimeout: TimeAmount = .seconds(4)) {
        self.group = group
        self.idleLimit = max(1, idleLimit)
        self.idleTimeout = idleTimeout
    }

    /// Sends `request` to `endpoint` and reads the answer, all before `deadline`.
    /// - Throws: `OutboundTimeout`, `PlainHTTPClient.ConnectionClosed`, NIO's connect and I/O
    ///   errors, or `HTTPParserError` for an answer that is not HTTP.
    func send(_ request: Request, to endpoint: Endpoint, deadline: NIODeadline, bodyLimit: Int) async throws -> OutboundAnswer {
        if let channel = idleConnection(to: endpoint) {
            do {
                return try await send(request, on: channel, endpoint, deadline: deadline, bodyLimit: bodyLimit)
            } catch is ClosedBeforeAnswer {
                // The receiver closed this kept-alive connection as the request went out (its
                // idle timeout ran out just then): not a word of an answer came, so the request
                // goes once more, on a new connection. At least once allows the repeat should
                // the receiver have read it; a failed attempt would repeat it later anyway.
            }
        }
        let channel = try await connect(to: endpoint, deadline: deadline)
        do {
            return try await send(request, on: channel, endpoint, deadline: deadline, bodyLimit: bodyLimit)
        } catch let closed as ClosedBeforeAnswer {
            throw closed.underlying
        }
    }

    private func send(_ request: Request, on channel: any Channel, _ endpoint: Endpoint, deadline: NIODeadline, bodyLimit: Int) async throws
        -> OutboundAnswer
    {
        let (answer, reusable) = try await exchange(request, on: channel, deadline: deadline, bodyLimit: bodyLimit)
        if reusable { checkIn(channel, endpoint) } else { channel.close(promise: nil) }
        return answer
    }

    /// One request and its answer on `channel`; `reusable` when the connection may carry the next.
    /// - Throws: what ``send(_:to:deadline:bodyLimit:)`` throws, or ``ClosedBeforeAnswer`` for a
    ///   kept-alive connection that ended before the answer began (or before the request reached it).
    func exchange(_ request: Request, on channel: any Channel, deadline: NIODeadline, bodyLimit: Int) async throws -> (answer: OutboundAnswer, reusable: Bool) {
        let exchange = Exchange(request: request, deadline: deadline, bodyLimit: bodyLimit, promise: channel.eventLoop.makePromise())
        let completed = try await withTaskCancellationHandler {
            // The write promise fails only when the exchange never reached the handler (the
            // receiver closed the connection just now); the handler answers everything else
            // through the exchange's own promise.
            let handedOver = channel.eventLoop.makePromise(of: Void.self)
            handedOver.futureResult.whenFailure { exchange.promise.fail(ClosedBeforeAnswer(underlying: $0)) }
            channel.writeAndFlush(exchange, promise: handedOver)
            return try await exchange.promise.futureResult.get()
        } onCancel: {
            // Completing a promise again is a no-op, so this cannot override an answer.
            exchange.promise.fail(CancellationError())
            channel.close(promise: nil)
        }
        return (completed.answer, completed.reusable)
    }

    /// The open connections kept idle for `endpoint`.
    func idleConnections(to endpoint: Endpoint) -> Int {
        pool.withLock { $0.idle[endpoint]?.filter { $0.channel.isActive }.count ?? 0 }
    }

    func shutdown() {
        let all = pool.withLock { pool in
            pool.shutDown = true
            defer { pool.idle = [:] }
            return pool.idle.values.flatMap { $0 }
        }
        for connection in all { connection.channel.close(promise: nil) }
    }

    /// An idle connection to `endpoint` that is still open: the most recently used one, whose
    /// receiver is least likely to be closing it.
    private func idleConnection(to endpoint: Endpoint) -> (any Channel)? {
        while let channel = pool.withLock({ $0.idle[endpoint]?.popLast()?.channel }) {
            if channel.isActive { return channel }
            channel.close(promise: nil)
        }
        return nil
    }

    private func connect(to endpoint: Endpoint, deadline: NIODeadline) async throws -> any Channel {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw OutboundTimeout() }
        let address = try SocketAddress(ipAddress: endpoint.address.description, port: endpoint.port)
        let connect = ClientBootstrap(group: group)
            .connectTimeout(remaining)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                }
            }
            .connect(to: address)
        do {
            return try await connect.get()
        } catch ChannelError.connectTimeout {
            throw OutboundTimeout()
        }
    }

    private func checkIn(_ channel: any Channel, _ endpoint: Endpoint) {
        let (kept, sweep) = pool.withLock { pool -> (Bool, Bool) in
            guard !pool.shutDown, channel.isActive, pool.idle[endpoint, default: []].count < idleLimit else { return (false, false) }
            pool.idle[endpoint, default: []].append(IdleConnection(channel: channel, since: .now()))
            return (true, pool.sweeping.insert(endpoint).inserted)
        }
        guard kept else {
            channel.close(promise: nil)
            return
        }
        if sweep { scheduleSweep(endpoint, in: idleTimeout, on: channel.eventLoop) }
    }

    private func scheduleSweep(_ endpoint: Endpoint, in delay: TimeAmount, on loop: any EventLoop) {
        loop.scheduleTask(in: delay) { [self] in sweep(endpoint, on: loop) }
    }

    /// Closes the connections to `endpoint` idle for `idleTimeout` or longer, and looks again
    /// when the oldest of the others will be, as long as any is idle.
    private func sweep(_ endpoint: Endpoint, on loop: any EventLoop) {
        let (expired, next) = pool.withLock { pool -> ([any Channel], TimeAmount?) in
            let now = NIODeadline.now()
            let idle = pool.idle[endpoint] ?? []
            let fresh = idle.filter { now - $0.since < idleTimeout }
            pool.idle[endpoint] = fresh.isEmpty ? nil : fresh
            // Connections are appended as they are returned, so the first is the oldest.
            let next = fresh.first.map { idleTimeout - (now - $0.since) }
            if next == nil { pool.sweeping.remove(endpoint) }
            return (idle.filter { now - $0.since >= idleTimeout }.map(\.channel), next)
        }
        for channel in expired { channel.close(promise: nil) }
        if let next { scheduleSweep(endpoint, in: next, on: loop) }
    }

    /// The connection closed before the answer was complete.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the receiver closed the connection before its answer was complete" }
    }

    /// A connection that had carried an exchange closed (or failed to read or write) before
    /// any of the answer to the next request arrived; `underlying` is how it ended.
    struct ClosedBeforeAnswer: Error, CustomStringConvertible {
        var underlying: any Error
        var description: String { "\(underlying)" }
    }
}

/// One request and the promise its answer completes.
private struct Exchange: Sendable {
    var request: PlainHTTPClient.Request
    var deadline: NIODeadline
    var bodyLimit: Int
    var promise: EventLoopPromise<Completed>
}

private struct Completed: Sendable {
    var answer: OutboundAnswer
    /// Both sides meant to keep the connection, and the whole exchange went through it.
    var reusable: Bool
}

/// The last handler of a connection's pipeline: writes an `Exchange`'s request, collects the
/// answer, and completes the exchange's promise exactly once (answer, error, close or deadline).
private final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    private struct Current {
        var promise: EventLoopPromise<Completed>
        var bodyLimit: Int
        var keepAlive: Bool
        var timer: Scheduled<Void>
        var requestWritten = false
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    private var current: Current?
    /// Exchanges this connection has completed.
    private var completed = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        // Handed over: from here the exchange's promise carries the outcome.
        promise?.succeed(())
        guard current == nil else {
            exchange.promise.fail(ChannelError.inappropriateOperationForState)
            return
        }
        var head = HTTPRequestHead(version: .http1_1, method: exchange.request.method, uri: exchange.request.target, headers: exchange.request.headers)
        head.headers.remove(name: "Transfer-Encoding")
        if let body = exchange.request.body {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        } else {
            head.headers.remove(name: "Content-Length")
        }
        let loop = context.eventLoop.assumeIsolated()
        let timer = loop.scheduleTask(deadline: exchange.deadline) { [weak self] () -> Void in
            self?.fail(OutboundTimeout(), context: context)
        }
        current = Current(promise: exchange.promise, bodyLimit: exchange.bodyLimit, keepAlive: head.isKeepAlive, timer: timer)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = exchange.request.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [weak self] result in
            switch result {
            case .success: self?.current?.requestWritten = true
            case .failure(let error): self?.fail(error, context: context)
            }
        }
        context.write(wrapOutboundOut(.end(nil)), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var exchange = current else {
            // An answer nobody asked for (a server's 408 on an idle connection): the
            // connection's state is no longer known, so it carries nothing more.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            exchange.head = head
            current = exchange
        case .body(var part):
            let room = exchange.bodyLimit - exchange.body.readableBytes
            if part.readableBytes > room {
                if room > 0, let kept = part.readSlice(length: room) { exchange.body.writeImmutableBuffer(kept) }
                // Not read further: the rest could be endless. The connection cannot be reused.
                finish(exchange, truncated: true, context: context)
            } else {
                exchange.body.writeBuffer(&part)
                current = exchange
            }
        case .end:
            finish(exchange, truncated: false, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(PlainHTTPClient.ConnectionClosed(), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
        context.close(promise: nil)
    }

    private func finish(_ exchange: Current, truncated: Bool, context: ChannelHandlerContext) {
        current = nil
        exchange.timer.cancel()
        guard let head = exchange.head else {
            exchange.promise.fail(PlainHTTPClient.ConnectionClosed())
            return
        }
        let answer = OutboundAnswer(status: head.status, headers: head.headers, body: exchange.body, truncated: truncated)
        let reusable = !truncated && exchange.requestWritten && exchange.keepAlive && head.isKeepAlive
        completed += 1
        exchange.promise.succeed(Completed(answer: answer, reusable: reusable))
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        guard let exchange = current else { return }
        current = nil
        exchange.timer.cancel()
        // A kept-alive connection that ends with no answer begun was closed by the receiver
        // as the request went out (a timeout or an unparsable answer is not that).
        let endedBeforeAnswer = error is PlainHTTPClient.ConnectionClosed || error is IOError || error is ChannelError
        if completed > 0 && exchange.head == nil && endedBeforeAnswer {
            exchange.promise.fail(PlainHTTPClient.ClosedBeforeAnswer(underlying: error))
        } else {
            exchange.promise.fail(error)
        }
        context.close(promise: nil)
    }
}

/// An answer read whole: its status and headers and the first bytes of its body, up to the
/// caller's limit.
public struct OutboundAnswer: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// The body was longer than the limit; the rest was not read.
    public var truncated: Bool

    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, truncated: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }
}

/// The whole exchange (connect, send, answer) did not finish within its timeout.
public struct OutboundTimeout: Error, CustomStringConvertible, Sendable {
    public var description: String { "timed out" }
    public init() {}
}
