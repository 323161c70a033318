import Foundation
public import HookstreamCore
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one e-mail per connection to the configured SMTP server, on SwiftNIO. The order of
/// the conversation and the meaning of each reply are ``SMTPConversation``'s; this type only
/// connects, frames replies, writes what it is told and starts TLS.
///
/// The server's host is checked by the server's `OutboundHTTPClient` — resolved, every address
/// judged by the outbound policy on behalf of the operator, as for webhook and Slack channels —
/// and the connection goes to the checked address. TLS verifies the certificate against the
/// system roots, or only the CA of `--smtp-ca-file` when given, for the configured host name.
public final class SMTPClient: Sendable {
    public let server: SMTPServer
    private let outbound: OutboundHTTPClient
    private let tls: TLSConfiguration

    /// - Throws: NIOSSL's error when `caFile` holds no PEM certificate.
    public init(server: SMTPServer, caFile: String?, outbound: OutboundHTTPClient) throws {
        self.server = server
        self.outbound = outbound
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        self.tls = tls
    }

    /// What a send came to: accepted, or refused with a reason, temporary (4xx, transport) or
    /// final (5xx, a policy refusal).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public var temporary: Bool
        public var code: Int?
    }

    /// Mails `subject`/`body` to `recipients`; returns the final reply code (250).
    /// - Throws: `Failure`.
    public func send(to recipients: [String], subject: String, body: String, timeoutSeconds: Double) async throws -> Int {
        let address = try await checkedAddress()
        let message = MailMessage.render(
            from: server.from, to: recipients, subject: subject, body: body, date: Date(), messageID: "\(UUID().uuidString.lowercased())@hookstream")
        do {
            return try await HTTPProvider.withTimeout(seconds: timeoutSeconds) { [self] in
                try await converse(address: address, recipients: recipients, message: message)
            }
        } catch let failure as Failure {
            throw failure
        } catch is OutboundTimeout {
            throw Failure(description: "the SMTP server did not finish within \(Int(timeoutSeconds)) s", temporary: true)
        } catch {
            throw Failure(description: "SMTP connection to \(server.host):\(server.port) failed: \(error)", temporary: true)
        }
    }

    private func checkedAddress() async throws -> SocketAddress {
        let address: IPAddress
        do {
            address = try await outbound.checkedAddress(host: server.host, audience: .organization)
        } catch let refusal as OutboundRefusal {
            throw Failure(description: "\(refusal)", temporary: false)
        } catch {
            throw Failure(description: "\(error)", temporary: true)
        }
        return try SocketAddress(ipAddress: address.description, port: server.port)
    }

    /// A relay on this machine that offers no STARTTLS may take mail without credentials.
    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let text = address.ipAddress, let ip = IPAddress(text) else { return false }
        return ["127.0.0.0/8", "::1/128"].contains { IPRange($0)?.contains(ip.unmapped) ?? false }
    }

    private func converse(address: SocketAddress, recipients: [String], message: [UInt8]) async throws -> Int {
        let replies = AsyncStream<SMTPConversation.Reply>.makeStream()
        let hostname = IPAddress(server.host) == nil ? server.host : nil
        let sslContext = try NIOSSLContext(configuration: tls)
        let implicit = server.security == .implicitTLS
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicit { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: hostname)) }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(continuation: replies.continuation))
                }
            }
            .connect(to: address).get()
        defer { channel.close(promise: nil) }

        var conversation = SMTPConversation(
            security: server.security, clientName: "hookstream", from: server.from, recipients: recipients,
            credentials: server.user.map { ($0, server.password ?? "") },
            allowPlainWithoutTLS: Self.isLoopback(address))
        var last = 0
        for await reply in replies.stream {
            last = reply.code
            var action = conversation.receive(reply)
            if action == .startTLS {
                try await channel.pipeline.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: hostname), position: ChannelPipeline.Position.first).get()
                action = conversation.tlsStarted()
            }
            switch action {
            case .send(let line):
                try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
            case .sendData:
                try await channel.writeAndFlush(ByteBuffer(bytes: message)).get()
            case .startTLS:
                break  // handled above
            case .done:
                try? await channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n")).get()
                return last
            case .fail(let reason, let temporary):
                try? await channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n")).get()
                throw Failure(description: reason, temporary: temporary, code: reply.code)
            }
        }
        throw Failure(description: "the SMTP server closed the connection (last reply \(last))", temporary: true)
    }
}

/// Splits the server's bytes into lines and gathers them into replies (`250-…` continues,
/// `250 …` ends) for the conversation.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<SMTPConversation.Reply>.Continuation
    private var buffered: [UInt8] = []
    private var pending: [String] = []

    init(continuation: AsyncStream<SMTPConversation.Reply>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffered += buffer.readableBytesView
        while let end = buffered.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(buffered[..<end])
            buffered.removeSubrange(...end)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            receive(line)
        }
        // A server that never ends a line must not grow this without bound.
        if buffered.count > 64 * 1024 { context.close(promise: nil) }
    }

    private func receive(_ bytes: [UInt8]) {
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
            continuation.yield(SMTPConversation.Reply(code: 0, lines: [String(decoding: bytes, as: UTF8.self)]))
            return
        }
        pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard bytes.count == 3 || bytes[3] == UInt8(ascii: " ") else { return }
        continuation.yield(SMTPConversation.Reply(code: code, lines: pending))
        pending = []
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
