@testable import HookstreamServer
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// The hub's pre-encoded frames are byte for byte what SwiftNIO's WebSocket encoder writes for
/// the same message, at every length encoding.
@Suite struct WebSocketTextFrameTests {
    @Test(arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 200_000])
    func matchesSwiftNIOsEncoder(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: payload))).wait()
        var expected = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { expected.writeBuffer(&part) }
        #expect(WebSocketTextFrame.encode(payload) == expected)
        _ = try channel.finish()
    }
}
