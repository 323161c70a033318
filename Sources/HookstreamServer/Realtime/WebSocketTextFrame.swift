import NIOCore

/// A whole WebSocket text frame, encoded once by the hub and written as it is to every
/// client that gets the message.
///
/// A server's frames are never masked (RFC 6455 §5.1), so the bytes of one message are the
/// same for every connection: the hub builds them once per publication, and each connection's
/// writer hands the shared buffer to its socket below the WebSocket encoder instead of having
/// the encoder frame the same payload again per client.
enum WebSocketTextFrame {
    static func encode(_ payload: [UInt8]) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.count + 10)
        frame.writeInteger(UInt8(0x81))  // FIN, text
        switch payload.count {
        case ..<126:
            frame.writeInteger(UInt8(payload.count))
        case ...0xFFFF:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(payload.count))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(payload.count))
        }
        frame.writeBytes(payload)
        return frame
    }
}
