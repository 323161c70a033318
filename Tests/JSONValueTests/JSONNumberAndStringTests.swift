@testable import JSONValue
import Testing

/// The fast paths of number and string handling checked against the slow, general ones they
/// stand in for, and against JavaScript's output on the boundaries between them.
@Suite struct JSONNumberAndStringTests {
    @Test(arguments: [
        (1e15, "1000000000000000"), (1e15 + 1, "1000000000000001"), (1e15 + 0.5, "1000000000000000.5"),
        (9007199254740992, "9007199254740992"), (0.0001, "0.0001"), (0.00001, "0.00001"),
        (28630.789999999986, "28630.789999999986"), (-42.25, "-42.25"), (1e16, "10000000000000000"),
        (1.2345678901234567e-5, "0.000012345678901234568"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func formatsBoundaryNumbersLikeJavaScript(_ value: Double, _ expected: String) {
        #expect(JSNumberFormat.string(value) == expected)
    }

    /// `write` copies Swift's own text where it agrees with JavaScript's rules; the general
    /// path applies those rules to the shortest digits. They must never differ.
    @Test func fastNumberPathAgreesWithTheGeneralOne() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20_000 {
            let value: Double
            switch round % 4 {
            case 0: value = Double(bitPattern: generator.next())
            case 1: value = Double.random(in: -1e6...1e6, using: &generator)
            case 2: value = Double(Int64.random(in: -(1 << 60)...(1 << 60), using: &generator))
            default: value = Double.random(in: 0..<1, using: &generator) / Double(1 << Int.random(in: 0...40, using: &generator))
            }
            guard value.isFinite, value != 0 else { continue }
            var fast: [UInt8] = []
            JSNumberFormat.write(value, to: &fast)
            var general: [UInt8] = []
            if value < 0 { general.append(UInt8(ascii: "-")) }
            JSNumberFormat.writeFromDigits(Swift.abs(value), to: &general)
            #expect(fast == general, "\(value)")
        }
    }

    @Test(arguments: [
        ("0.000123", 0.000123), ("-0", -0.0), ("1e400", Double.infinity), ("-1e400", -Double.infinity),
        ("12345678901234567890123", 1.2345678901234568e22), ("0.1", 0.1), ("9007199254740993", 9007199254740992),
        ("1.7976931348623157e308", 1.7976931348623157e308), ("4.9e-324", 5e-324), ("1e-400", 0), ("123e-2", 1.23),
        ("0.00000000000000000000000000001", 1e-29), ("1E+2", 100), ("100000000000000000000000", 1e23),
    ])
    func parsesNumbersExactly(_ text: String, _ expected: Double) throws {
        let parsed = try JSON(parsing: text)
        guard case .number(let value) = parsed else { Issue.record("not a number: \(parsed)"); return }
        #expect(value == expected)
        #expect(value.sign == expected.sign)
    }

    /// The integer fast path of the parser gives the same double as the platform's conversion
    /// for every mantissa and exponent in its range.
    @Test func fastParsePathAgreesWithTheGeneralOne() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let mantissa = UInt64.random(in: 0...(1 << 53), using: &generator) >> UInt64.random(in: 0...50, using: &generator)
            let exponent = Int.random(in: -22...22, using: &generator)
            let text = "\(mantissa)e\(exponent)"
            #expect(try JSON(parsing: text) == .number(Double(text)!), "\(text)")
        }
    }

    @Test func escapesDecodeToTheirCharacters() throws {
        #expect(try JSON(parsing: #""caf\u00e9 \ud83d\ude00 tab\t""#) == "café 😀 tab\t")
        #expect(try JSON(parsing: #""\u00e9 raw é""#) == "é raw é")
    }

    @Test(arguments: [[0x22, 0xC3, 0x22], [0x22, 0xFF, 0x61, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] as [[UInt8]])
    func refusesInvalidUTF8InStrings(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: bytes) }
    }

    /// The parser tells member names apart by their bytes where it can (plain ASCII) and by
    /// `String` equality where it cannot; every spelling of a repeated name must be caught,
    /// whatever path each occurrence took.
    @Test(arguments: [
        #"{"a":1,"b":2,"a":3}"#,
        // 8 to 16 bytes: the print is the bytes themselves, read as two overlapping words.
        #"{"abcdefgh":1,"b":2,"abcdefgh":3}"#,
        #"{"sixteen_bytes__":1,"b":2,"sixteen_bytes__":3}"#,
        // Longer: prints agree, the strings decide.
        #"{"a_name_longer_than_sixteen":1,"b":2,"a_name_longer_than_sixteen":3}"#,
        // An escape, or text beyond ASCII, for one of the two occurrences.
        #"{"a":1,"b":2,"a":3}"#,
        #"{"é":1,"b":2,"é":3}"#,
        // Canonically equivalent: Swift's String equality, which the member table uses.
        "{\"\u{E9}\":1,\"b\":2,\"e\u{301}\":3}",
    ])
    func aRepeatedKeyKeepsItsFirstPositionAndLastValue(_ text: String) throws {
        let value = try JSON(parsing: text)
        let members = try #require(value.objectValue)
        #expect(members.count == 2)
        #expect(members.keys.last == "b")
        #expect(members.values.first == 3)
    }

    /// Names that differ only past their first eight bytes, or only in length, or that share a
    /// slot of the parser's table of names, stay distinct members with their own values.
    @Test func similarNamesStayDistinct() throws {
        let names = ["abcdefgh", "abcdefgh1", "abcdefghi", "abcdefgh12345678", "abcdefgh12345679", "x", "xx", "x "] + (0..<300).map { "key\($0)" }
        let text = "{" + names.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
        let value = try JSON(parsing: text)
        let members = try #require(value.objectValue)
        #expect(members.count == names.count)
        for (index, name) in names.enumerated() {
            #expect(members[name] == .number(Double(index)), "\(name)")
        }
        // The same names again in an array of objects: interned names must be the right ones.
        let objects = "[" + (0..<50).map { "{\"id\":\($0),\"key\($0)\":true,\"abcdefgh\($0 % 3)\":\($0)}" }.joined(separator: ",") + "]"
        let parsed = try #require(try JSON(parsing: objects).arrayValue)
        for (index, object) in parsed.enumerated() {
            #expect(object.objectValue?.keys.elements == ["id", "key\(index)", "abcdefgh\(index % 3)"])
            #expect(object["abcdefgh\(index % 3)"] == .number(Double(index)))
        }
    }

    /// Serialization writes into a buffer that grows; a large document must come out whole.
    @Test func serializesLargeDocumentsWhole() throws {
        let big = JSON.array((0..<5_000).map { .object(["n": .number(Double($0) + 0.5), "s": .string(String(repeating: "é\"", count: $0 % 40))]) })
        let text = big.serializedBytes()
        #expect(text.count > 100_000)
        #expect(try JSON(parsing: text) == big)
        var appended: [UInt8] = Array("prefix ".utf8)
        big.write(to: &appended)
        #expect(appended == Array("prefix ".utf8) + text)
    }

    @Test func serializesStringsWithEscapesAndUnicodeIntact() throws {
        let text = "plain \"quoted\" back\\slash\nnew line \u{01} control é 😀 end"
        let written = JSON.string(text).serialized()
        #expect(written == #""plain \"quoted\" back\\slash\nnew line \u0001 control é 😀 end""#)
        #expect(try JSON(parsing: written) == .string(text))
    }
}
