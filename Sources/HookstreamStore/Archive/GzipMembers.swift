import CompressNIO
import NIOCore

/// gzip through zlib (compress-nio), in the shape the archive needs: every batch is appended to
/// its day's file as one complete gzip *member*, and a file is the concatenation of its members
/// (RFC 1952 §2.2), which `gunzip`/`zcat` read as one stream.
///
/// Reading goes member by member and insists that each one ends with its trailer (CRC-32 and
/// length checked by zlib): a file cut short is an error, never a silently shorter archive.
public enum GzipMembers {
    /// One complete gzip member holding `bytes`.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.compress(with: .gzip())
        return Array(output.readableBytesView)
    }

    /// Calls `member` with the decompressed content of each member of `bytes`, in order.
    /// - Throws: ``GzipError`` when the data is corrupt or the last member is incomplete.
    public static func decompress(_ bytes: [UInt8], member: ([UInt8]) throws -> Void) throws {
        var reader = try Reader(bytes)
        while let content = try reader.next() { try member(content) }
    }

    /// Decompresses one member at a time, so a caller holds one batch, not the whole file.
    public struct Reader {
        private let decompressor: ZlibDecompressor
        private var input: ByteBuffer
        private var output = ByteBuffer()
        private var started = false

        public init(_ bytes: [UInt8]) throws {
            decompressor = try ZlibDecompressor(algorithm: .gzip)
            input = ByteBuffer(bytes: bytes)
            output.reserveCapacity(max(64 * 1024, min(bytes.count * 4, 16 * 1024 * 1024)))
        }

        /// The next member's content, or `nil` after the last one.
        public mutating func next() throws -> [UInt8]? {
            guard input.readableBytes > 0 else { return nil }
            if started { try decompressor.reset() }
            started = true
            output.clear()
            while true {
                do {
                    try decompressor.inflate(from: &input, to: &output)
                    break
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    output.reserveCapacity(minimumWritableBytes: max(64 * 1024, output.readableBytes))
                } catch let error as CompressNIOError where error == .inputBufferOverflow {
                    throw GzipError("the archive ends inside a gzip member (truncated file)")
                } catch let error as CompressNIOError where error == .corruptData {
                    throw GzipError("corrupt gzip data")
                }
            }
            // A normal return means zlib either reached the member's end (input may continue
            // with the next member) or used up all input mid-member. Only the first can leave
            // input behind; at the very end, one more call tells them apart: a finished stream
            // answers "end" again, a truncated one "needs more input".
            if input.readableBytes == 0 {
                do {
                    try decompressor.inflate(from: &input, to: &output)
                } catch let error as CompressNIOError where error == .inputBufferOverflow || error == .bufferOverflow {
                    throw GzipError("the archive ends inside a gzip member (truncated file)")
                }
            }
            return Array(output.readableBytesView)
        }
    }
}

public struct GzipError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
