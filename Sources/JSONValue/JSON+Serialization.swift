/// How `JSON` values are written out.
public struct JSONWriteOptions: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Two-space indentation, the layout of JavaScript's `JSON.stringify(v, null, 2)`.
    public static let prettyPrinted = JSONWriteOptions(rawValue: 1)
    /// Object members by key instead of insertion order (stable output for hashing and tests).
    public static let sortedKeys = JSONWriteOptions(rawValue: 2)
}

extension JSON {
    /// The compact JSON text of this value. Non-finite numbers are written as `null`, as
    /// JavaScript's `JSON.stringify` does.
    public func serialized(options: JSONWriteOptions = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out, options: options, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON text of this value as UTF-8 bytes.
    public func serializedBytes(options: JSONWriteOptions = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out, options: options, indent: 0)
        return out
    }

    /// Appends the JSON text of this value to `out`.
    public func write(to out: inout [UInt8], options: JSONWriteOptions = []) {
        write(to: &out, options: options, indent: 0)
    }

    private func write(to out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            if n.isFinite { JSNumberFormat.write(n, to: &out) } else { out.append(contentsOf: "null".utf8) }
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let elements):
            if elements.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.contains(.prettyPrinted) { JSON.newline(&out, indent + 1) }
                element.write(to: &out, options: options, indent: indent + 1)
            }
            if options.contains(.prettyPrinted) { JSON.newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            func member(_ key: String, _ value: JSON) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if options.contains(.prettyPrinted) { JSON.newline(&out, indent + 1) }
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if options.contains(.prettyPrinted) { out.append(UInt8(ascii: " ")) }
                value.write(to: &out, options: options, indent: indent + 1)
            }
            if options.contains(.sortedKeys) {
                for key in members.keys.sorted() { member(key, members[key]!) }
            } else {
                for (key, value) in members { member(key, value) }
            }
            if options.contains(.prettyPrinted) { JSON.newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        for _ in 0..<(indent * 2) { out.append(0x20) }
    }

    /// Appends `s` as a quoted JSON string, escaping what JSON requires and nothing more.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Runs of bytes that need no escape (nearly all of them) are copied in one append.
            var runStart = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                writeEscape(of: byte, to: &out)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(of byte: UInt8, to out: inout [UInt8]) {
        out.append(0x5C)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:  // other control characters: \u00XX with lowercase hex, as JSON.stringify writes
            let low = byte & 0xF
            out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, 0x30 + (byte >> 4)])
            out.append(low < 10 ? 0x30 + low : UInt8(ascii: "a") + low - 10)
        }
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { serialized() }
}
