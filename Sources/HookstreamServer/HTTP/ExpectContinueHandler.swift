import HTTPTypes
import HookstreamCore
import JSONValue
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` as soon as the request head arrives.
///
/// A client that sends the header (curl for bodies over 1 KB, and several HTTP libraries
/// webhook providers use) holds the body back until it hears `100 Continue` or gives up
/// waiting — a second for curl — so without an answer every such ingest paid a second.
/// A declared `Content-Length` over the limit of the path (ingest: `--max-body-bytes`; the
/// management API: its own limit) is refused at once with the 413 and the standard error body,
/// and the connection closed, so the body is never sent. Otherwise the handler says
/// `100 Continue` and passes the request on untouched.
///
/// Sits in Hummingbird's HTTP/1 pipeline after the codec (it sees `HTTPRequestPart`s), before
/// the request is handed to the router.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let ingestLimit: Int
    private let apiLimit: Int
    /// Set once a request was refused: what the client sends after it is dropped until close.
    private var refused = false

    init(ingestLimit: Int, apiLimit: Int) {
        self.ingestLimit = ingestLimit
        self.apiLimit = apiLimit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let part = unwrapInboundIn(data)
        guard case .head(let head) = part, Self.expectsContinue(head) else {
            context.fireChannelRead(data)
            return
        }
        let path = (head.path ?? "").prefix { $0 != "?" }
        // Publishing to a topic takes event bodies, so it has ingest's limit.
        let carriesEvents = path.hasPrefix("/v1/ingest/") || (path.hasPrefix("/v1/topics/") && path.hasSuffix("/publish"))
        let limit = carriesEvents ? ingestLimit : apiLimit
        if let length = head.headerFields[.contentLength].flatMap(Int.init), length > limit {
            refused = true
            refuse(context: context, limit: limit)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        context.fireChannelRead(data)
    }

    /// `100-continue` is the only expectation defined (RFC 9110 §10.1.1); its token is
    /// case-insensitive.
    static func expectsContinue(_ head: HTTPRequest) -> Bool {
        head.headerFields[values: .expect].contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "100-continue" }
    }

    private func refuse(context: ChannelHandlerContext, limit: Int) {
        let requestID = ResourceID.random(.request)
        let body = JSON.object([
            "error": .string("Request body exceeds \(limit) bytes"), "status": 413, "request_id": .string(requestID),
        ]).serializedBytes()
        var response = HTTPResponse(status: .contentTooLarge)
        response.headerFields[.contentType] = "application/json; charset=utf-8"
        response.headerFields[.contentLength] = String(body.count)
        response.headerFields[.connection] = "close"
        response.headerFields[HTTPField.Name("X-Request-Id")!] = requestID
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        // The client may send the body anyway; closing is the only way not to read it.
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
