/// Reads the big-endian integers and NUL-terminated strings of PostgreSQL's wire formats from
/// a byte buffer; every read checks the length, so truncated input is an error, never a crash.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func uint8() throws(PGOutputError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func int16() throws(PGOutputError) -> Int16 { Int16(bitPattern: UInt16(try unsigned(2))) }
    mutating func int32() throws(PGOutputError) -> Int32 { Int32(bitPattern: UInt32(try unsigned(4))) }
    mutating func uint32() throws(PGOutputError) -> UInt32 { UInt32(try unsigned(4)) }
    mutating func int64() throws(PGOutputError) -> Int64 { Int64(bitPattern: try unsigned(8)) }
    mutating func uint64() throws(PGOutputError) -> UInt64 { try unsigned(8) }

    private mutating func unsigned(_ width: Int) throws(PGOutputError) -> UInt64 {
        guard bytes.count - offset >= width else { throw .truncated(at: offset) }
        var value: UInt64 = 0
        for i in offset..<(offset + width) { value = value << 8 | UInt64(bytes[i]) }
        offset += width
        return value
    }

    mutating func bytes(_ count: Int) throws(PGOutputError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw .truncated(at: offset) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A NUL-terminated string (names in Relation and Type messages), decoded as UTF-8 (the
    /// database encoding hookstream requires of captured databases).
    mutating func cString() throws(PGOutputError) -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else { throw .truncated(at: offset) }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}

/// Bytes that are not a pgoutput message of protocol version 1.
public enum PGOutputError: Error, Equatable, Sendable {
    case empty
    case truncated(at: Int)
    case unknownMessage(tag: UInt8)
    case unexpectedByte(UInt8, expected: String, at: Int)
    case trailingBytes(at: Int)
}
