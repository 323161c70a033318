/// A syntax error in a JSON text, with the byte offset where it was noticed.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public var description: String { "\(message) at byte \(offset)" }
}

extension JSON {
    /// The deepest nesting a parsed document may have; deeper input is refused rather than
    /// risking the stack on hostile payloads.
    public static let maximumParseDepth = 512

    /// Parses a complete JSON text (RFC 8259); whitespace may surround the value, nothing else.
    /// - Throws: `JSONParseError`.
    public init(parsing text: String) throws {
        var copy = text
        self = try copy.withUTF8 { buffer in try JSON(parsing: buffer) }
    }

    /// Parses a complete JSON text from UTF-8 bytes.
    public init<Bytes: Collection>(parsing bytes: Bytes) throws where Bytes.Element == UInt8 {
        let result: Result<JSON, any Error>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { try JSON(parsing: buffer) }
        }
        if let result {
            self = try result.get()
        } else {
            self = try Array(bytes).withUnsafeBufferPointer { buffer in try JSON(parsing: buffer) }
        }
    }

    init(parsing buffer: UnsafeBufferPointer<UInt8>) throws {
        var parser = JSONParser(bytes: buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else {
            throw JSONParseError(message: "Unexpected content after the JSON value", offset: parser.index)
        }
        self = value
    }
}

/// A recursive-descent parser over UTF-8 bytes.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Member names met so far, by their print's slot (see `parseKey`).
    var internedKeys = InternedKeys()

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

    mutating func parseValue(depth: Int) throws -> JSON {
        guard index < bytes.count else { throw fail("Unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("Unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("Invalid literal") }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw fail("Invalid literal")
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws -> JSON {
        guard depth <= JSON.maximumParseDepth else { throw fail("Nesting too deep") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        // Built as two arrays and handed to the member table whole: inserting member by
        // member searched the keys and grew the storage step by step, half the cost of parsing.
        var keys = ContiguousArray<String>()
        var values = ContiguousArray<JSON>()
        var prints = ContiguousArray<KeyPrint>()
        keys.reserveCapacity(8)
        values.reserveCapacity(8)
        prints.reserveCapacity(8)
        var keysAreDistinct = true
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("Expected a member name") }
            let (key, print) = try parseKey()
            if keysAreDistinct, let print {
                // While the names are distinct, `prints[i]` is the print of `keys[i]`.
                keysAreDistinct = !prints.indices.contains { prints[$0].mayEqual(print) && keys[$0] == key }
                prints.append(print)
            } else {
                keysAreDistinct = false
            }
            keys.append(key)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("Expected ':'") }
            index += 1
            skipWhitespace()
            values.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail("Unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                if keysAreDistinct { return .object(JSONObject(uncheckedUniqueKeys: keys, values: values)) }
                // A repeated key keeps its first position and its last value, the way
                // assigning the members in order would.
                var members = JSONObject(minimumCapacity: keys.count)
                for (key, value) in zip(keys, values) { members[key] = value }
                return .object(members)
            }
            throw fail("Expected ',' or '}'")
        }
    }

    /// A member name, and its print when the name is plain ASCII (no escapes). Short plain
    /// names are interned: the objects of an array repeat the same few names, and making a
    /// `String` was the largest cost of parsing one.
    mutating func parseKey() throws -> (String, KeyPrint?) {
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return (try parseString(), nil) }
        index = end + 1
        let print = KeyPrint(bytes, start..<end)
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard print.isExact else { return (String(decoding: text, as: UTF8.self), print) }
        if let name = internedKeys.name(for: print) { return (name, print) }
        let name = String(decoding: text, as: UTF8.self)
        internedKeys.add(name, for: print)
        return (name, print)
    }

    mutating func parseArray(depth: Int) throws -> JSON {
        guard depth <= JSON.maximumParseDepth else { throw fail("Nesting too deep") }
        index += 1
        var elements: [JSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail("Unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw fail("Expected ',' or ']'")
        }
    }

    mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        var highBits: UInt8 = 0
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try Self.string(slice, knownValid: highBits < 0x80, offset: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("Control character in string") }
            highBits |= byte
            index += 1
        }
        var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try scalars.withUnsafeBufferPointer { try Self.string($0, knownValid: highBits < 0x80, offset: start) }
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("Unterminated escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("Invalid surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            code = 0xFFFD
                        }
                    } else if (0xDC00..<0xE000).contains(code) {
                        code = 0xFFFD
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    // Escapes always encode valid UTF-8; only raw bytes need validating.
                    scalars.append(contentsOf: UTF8.encode(scalar)!)
                default:
                    throw fail("Invalid escape")
                }
            default:
                if byte < 0x20 { throw fail("Control character in string") }
                highBits |= byte
                scalars.append(byte)
                index += 1
            }
        }
        throw fail("Unterminated string")
    }

    /// The string of `utf8`, refusing invalid UTF-8. Text known to be valid — raw ASCII (nearly
    /// every key and most values) plus what escapes encoded — skips the generic validating
    /// initializer, which is slow.
    static func string(_ utf8: UnsafeBufferPointer<UInt8>, knownValid: Bool, offset: Int) throws -> String {
        if knownValid { return String(decoding: utf8, as: UTF8.self) }
        guard let s = String(validating: utf8, as: UTF8.self) else {
            throw JSONParseError(message: "Invalid UTF-8 in string", offset: offset)
        }
        return s
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("Invalid unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("Invalid unicode escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    /// Exact doubles 10^0 … 10^22: a mantissa below 2^53 scaled by one of them is correctly
    /// rounded by a single IEEE multiplication or division.
    static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { power, _ in power * 10 }
    }

    mutating func parseNumber() throws -> Double {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // The digits are gathered into an integer mantissa as they are checked, so that the
        // usual number (few digits, small exponent) needs no text conversion.
        var mantissa: UInt64 = 0
        var digitCount = 0
        var exponent = 0
        guard index < bytes.count else { throw fail("Invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                Self.accumulate(digit, into: &mantissa, count: &digitCount)
                index += 1
            }
        } else {
            throw fail("Invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                Self.accumulate(digit, into: &mantissa, count: &digitCount)
                exponent -= 1
                index += 1
            }
            guard index > digitsStart else { throw fail("Invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let digitsStart = index
            var written = 0
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                if written < 100_000 { written = written * 10 + Int(digit) }
                index += 1
            }
            guard index > digitsStart else { throw fail("Invalid number") }
            exponent += exponentNegative ? -written : written
        }
        if digitCount <= 19, mantissa <= 1 << 53, (-22...22).contains(exponent) {
            var value = Double(mantissa)
            if exponent >= 0 { value *= Self.exactPowersOfTen[exponent] } else { value /= Self.exactPowersOfTen[-exponent] }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(message: "Invalid number", offset: start) }
        return value
    }

    @inline(__always)
    static func digit(_ byte: UInt8) -> UInt8? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? value : nil
    }

    /// Adds a digit to the mantissa; past 19 digits only the count grows (the caller then
    /// takes the exact but slower text conversion).
    @inline(__always)
    static func accumulate(_ digit: UInt8, into mantissa: inout UInt64, count: inout Int) {
        if mantissa == 0 && digit == 0 { return }  // leading zeros carry no precision
        if count < 19 { mantissa = mantissa * 10 + UInt64(digit) }
        count += 1
    }
}

/// A cheap stand-in for comparing the plain ASCII member names of an object while parsing:
/// their length and first and last eight bytes, which for names of up to 16 bytes are the
/// bytes themselves. Only names written without escapes have prints: other equal strings may
/// be spelled with different bytes (escapes, canonically equivalent Unicode).
struct KeyPrint {
    var count: Int
    var head: UInt64
    var tail: UInt64

    /// A print no name has.
    init(count: Int) {
        self.count = count
        head = 0
        tail = 0
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        count = range.count
        if count >= 8 {
            let raw = UnsafeRawBufferPointer(bytes)
            head = raw.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: range.upperBound - 8, as: UInt64.self)
        } else {
            head = 0
            for offset in range { head = head << 8 | UInt64(bytes[offset]) }
            tail = head
        }
    }

    /// Whether equal prints mean equal names.
    var isExact: Bool { count <= 16 }

    /// False when the names certainly differ; true when they may be equal (for exact prints:
    /// when they are).
    func mayEqual(_ other: KeyPrint) -> Bool {
        count == other.count && head == other.head && tail == other.tail
    }
}

/// The member names of one parse, in a small direct-mapped table: a name replaces whatever
/// shared its slot. Allocated on the first name.
struct InternedKeys {
    private struct Entry {
        var print: KeyPrint
        var name: String
    }

    private var slots: ContiguousArray<Entry> = []
    private static let empty = Entry(print: KeyPrint(count: -1), name: "")

    private static func slot(of print: KeyPrint) -> Int {
        var hash = print.head &* 0x9E37_79B9_7F4A_7C15
        hash ^= print.tail &+ UInt64(truncatingIfNeeded: print.count)
        hash &*= 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: hash >> 58)  // 64 slots
    }

    func name(for print: KeyPrint) -> String? {
        guard !slots.isEmpty else { return nil }
        let slot = Self.slot(of: print)
        return slots[slot].print.mayEqual(print) ? slots[slot].name : nil
    }

    mutating func add(_ name: String, for print: KeyPrint) {
        if slots.isEmpty { slots = ContiguousArray(repeating: Self.empty, count: 64) }
        slots[Self.slot(of: print)] = Entry(print: print, name: name)
    }
}
