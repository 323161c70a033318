// nio-ceiling --port N: the fastest HTTP/1.1 server SwiftNIO allows, the ceiling for every
// hookstream figure that goes through SwiftNIO (`bench/run ceiling`). It does what any server
// must and nothing more: parse the request, read its whole body, answer 200 with a two-byte
// body, keep the connection alive when the client asks. One event loop per core, as hookstream
// runs. The distance from nginx to this is SwiftNIO's cost; from this to the bare Hummingbird
// server, the framework's.
import CeilingSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers every request once its end has arrived: the body parts are read and dropped, as a
/// server that has to see the whole request before answering does.
final class OKHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let body = ByteBuffer(string: "ok")
    private var keepAlive = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "text/plain")
            headers.add(name: "content-length", value: "\(Self.body.readableBytes)")
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(Self.body))), promise: nil)
            if keepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                // HTTP/1.0 without keep-alive, or `Connection: close`: close once it is sent.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}

let port = portArgument(program: "nio-ceiling")
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(OKHandler())
        }
    }
let channel: any Channel
do {
    channel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
} catch {
    exit(status: 1, "nio-ceiling: cannot listen on 127.0.0.1:\(port): \(error)")
}
print("nio-ceiling listening on 127.0.0.1:\(channel.localAddress?.port ?? port)")
try channel.closeFuture.wait()
