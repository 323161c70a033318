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
        withText(options: options) { String(decoding: $0, as: UTF8.self) }
    }

    /// The JSON text of this value as UTF-8 bytes.
    public func serializedBytes(options: JSONWriteOptions = []) -> [UInt8] {
        withText(options: options) { Array($0) }
    }

    /// Appends the JSON text of this value to `out`, directly: no buffer of its own for the
    /// short values callers add this way.
    public func write(to out: inout [UInt8], options: JSONWriteOptions = []) {
        appendDocument(to: &out, options: options)
    }

    private func withText<Result>(options: JSONWriteOptions, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = JSONTextBuffer(capacity: 256)
        defer { text.deallocate() }
        appendDocument(to: &text, options: options)
        return body(text.bytes)
    }

    private func appendDocument<Sink: JSONByteSink>(to out: inout Sink, options: JSONWriteOptions) {
        if options.isEmpty {
            appendText(to: &out)
        } else {
            appendText(to: &out, options: options, indent: 0)
        }
    }

    /// Compact text, the common case, without the checks for layout options on every member.
    private func appendText<Sink: JSONByteSink>(to out: inout Sink) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): JSON.writeNumber(n, to: &out)
        case .string(let s): JSON.appendString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    elements[index].appendText(to: &out)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            members.keys.elements.withUnsafeBufferPointer { keys in
                members.values.elements.withUnsafeBufferPointer { values in
                    for index in keys.indices {
                        if index > 0 { out.append(UInt8(ascii: ",")) }
                        JSON.appendString(keys[index], to: &out)
                        out.append(UInt8(ascii: ":"))
                        values[index].appendText(to: &out)
                    }
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private func appendText<Sink: JSONByteSink>(to out: inout Sink, options: JSONWriteOptions, indent: Int) {
        switch self {
        case .null, .bool, .number, .string: appendText(to: &out)
        case .array(let elements):
            if elements.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.contains(.prettyPrinted) { JSON.newline(&out, indent + 1) }
                element.appendText(to: &out, options: options, indent: indent + 1)
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
                JSON.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if options.contains(.prettyPrinted) { out.append(UInt8(ascii: " ")) }
                value.appendText(to: &out, options: options, indent: indent + 1)
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

    private static func newline<Sink: JSONByteSink>(_ out: inout Sink, _ indent: Int) {
        out.append(0x0A)
        for _ in 0..<(indent * 2) { out.append(0x20) }
    }

    private static func writeNumber<Sink: JSONByteSink>(_ n: Double, to out: inout Sink) {
        if n.isFinite { JSNumberFormat.append(n, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    /// Appends `s` as a quoted JSON string, escaping what JSON requires and nothing more.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        appendString(s, to: &out)
    }

    static func appendString<Sink: JSONByteSink>(_ s: String, to out: inout Sink) {
        var s = s
        s.withUTF8 { bytes in
            // Most strings need no escape at all: one copy between the quotes.
            out.reserveBytes(bytes.count + 2)
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                writeEscape(of: byte, to: &out)
            }
            out.appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
            out.append(UInt8(ascii: "\""))
        }
    }

    private static func writeEscape<Sink: JSONByteSink>(of byte: UInt8, to out: inout Sink) {
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
            for hex in [UInt8(ascii: "u"), 0x30, 0x30, 0x30 + (byte >> 4), low < 10 ? 0x30 + low : UInt8(ascii: "a") + low - 10] {
                out.append(hex)
            }
        }
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { serialized() }
}
