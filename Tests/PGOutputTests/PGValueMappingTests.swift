import JSONValue
import PGOutput
import Testing

/// The type mapping of docs/cdc.md, one row per case: PostgreSQL's text output (DateStyle ISO,
/// bytea hex) and the column type → the JSON the payload carries.
@Suite struct PGValueMappingTests {
    static let rows: [(String, PGType, JSON)] = [
        ("hé \"x\"", .text, "hé \"x\""),
        ("t", .bool, true),
        ("f", .bool, false),
        ("-32768", .smallInteger, -32768),
        ("2147483647", .smallInteger, 2_147_483_647),
        // int8: exact up to 2^53, strings beyond.
        ("9007199254740992", .bigInteger, .number(9_007_199_254_740_992)),
        ("-9007199254740992", .bigInteger, .number(-9_007_199_254_740_992)),
        ("9007199254740993", .bigInteger, "9007199254740993"),
        ("-9223372036854775808", .bigInteger, "-9223372036854775808"),
        // numeric: a number only when the double is the same decimal value.
        ("99.00", .numeric, 99),
        ("0.1", .numeric, 0.1),
        ("-12.5", .numeric, -12.5),
        ("0", .numeric, 0),
        ("123456789012345678", .numeric, "123456789012345678"),
        ("12345678901234567890.000001", .numeric, "12345678901234567890.000001"),
        ("0.10000000000000000001", .numeric, "0.10000000000000000001"),
        ("NaN", .numeric, "NaN"),
        ("Infinity", .numeric, "Infinity"),
        ("1.1", .float, 1.1),
        ("0.1", .float, 0.1),
        ("1e+300", .float, 1e300),
        ("-Infinity", .float, "-Infinity"),
        ("NaN", .float, "NaN"),
        // timestamps: ISO 8601 UTC, milliseconds or microseconds.
        ("2026-03-13 10:30:00.123456", .timestamp, "2026-03-13T10:30:00.123456Z"),
        ("2026-03-13 10:30:00", .timestamp, "2026-03-13T10:30:00.000Z"),
        ("2026-03-13 10:30:00.5+00", .timestampWithZone, "2026-03-13T10:30:00.500Z"),
        ("2026-03-13 16:00:00.5+05:30", .timestampWithZone, "2026-03-13T10:30:00.500Z"),
        ("2026-01-01 01:00:00-02", .timestampWithZone, "2026-01-01T03:00:00.000Z"),
        ("2026-01-01 00:30:00+01", .timestampWithZone, "2025-12-31T23:30:00.000Z"),
        ("1900-01-01 00:00:00+00:53:28", .timestampWithZone, "1899-12-31T23:06:32.000Z"),
        ("infinity", .timestampWithZone, "infinity"),
        ("0044-03-15 10:00:00 BC", .timestamp, "0044-03-15 10:00:00 BC"),
        ("12026-03-13 10:30:00", .timestamp, "+012026-03-13T10:30:00.000Z"),
        ("2026-03-13", .text, "2026-03-13"),
        // json and jsonb as JSON, not strings.
        ("{\"a\": [1, 2.5], \"b\": null}", .json, ["a": [1, 2.5], "b": nil]),
        ("\"just a string\"", .json, "just a string"),
        ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", .text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        // bytea: base64.
        ("\\xdeadbeef", .bytea, "3q2+7w=="),
        ("\\x", .bytea, ""),
        ("\\x616263", .bytea, "YWJj"),
        // arrays, mapped per element, NULL elements as null.
        ("{1,NULL,3}", .array(element: .smallInteger, delimiter: 44), [1, nil, 3]),
        ("{\"a b\",c,\"NULL\",\"q\\\"uote\",\"back\\\\slash\"}", .array(element: .text, delimiter: 44), ["a b", "c", "NULL", "q\"uote", "back\\slash"]),
        ("{{1,2},{3,4}}", .array(element: .bigInteger, delimiter: 44), [[1, 2], [3, 4]]),
        ("[0:1]={7,8}", .array(element: .smallInteger, delimiter: 44), [7, 8]),
        ("{}", .array(element: .text, delimiter: 44), []),
        ("{9007199254740993,1.5}", .array(element: .numeric, delimiter: 44), ["9007199254740993", 1.5]),
        ("{\"{\\\"k\\\": 1}\"}", .array(element: .json, delimiter: 44), [["k": 1]]),
        ("{t,f}", .array(element: .bool, delimiter: 44), [true, false]),
        ("{(1,1),(0,0);(2,2),(1,1)}", .array(element: .text, delimiter: 59), ["(1,1),(0,0)", "(2,2),(1,1)"]),
        // Not an array literal after all: kept as text.
        ("{1,2", .array(element: .smallInteger, delimiter: 44), "{1,2"),
    ]

    @Test(arguments: rows.indices)
    func mapsTextToJSON(_ index: Int) {
        let (text, type, expected) = Self.rows[index]
        let mapped = PGValueMapping.json(Array(text.utf8), as: type)
        #expect(mapped == expected, "\(text) as \(type)")
    }

    @Test func numbersSerializeAsJavaScriptWouldReparseThem() {
        // What a receiver re-serializes (JSON.stringify) must equal what was sent, digit for digit.
        let row: JSON = [
            "n": PGValueMapping.json(Array("99.00".utf8), as: .numeric),
            "big": PGValueMapping.json(Array("9007199254740993".utf8), as: .bigInteger),
            "f": PGValueMapping.json(Array("0.1".utf8), as: .float),
        ]
        #expect(row.serialized() == #"{"n":99,"big":"9007199254740993","f":0.1}"#)
    }

    @Test func catalogLearnsDomainsAndArraysOfCustomTypes() {
        var catalog = PGTypeCatalog()
        #expect(catalog.type(of: 16406) == .text)
        #expect(!catalog.isKnown(16406))
        catalog.learnAlias(16500, of: 20)  // a domain over int8
        catalog.learnArray(16405, of: 16406)  // an array of an enum
        catalog.learnArray(16501, of: 16500)
        #expect(catalog.type(of: 16500) == .bigInteger)
        #expect(catalog.type(of: 16405) == .array(element: .text, delimiter: 44))
        #expect(catalog.type(of: 16501) == .array(element: .bigInteger, delimiter: 44))
        #expect(catalog.isKnown(16405))
        #expect(catalog.type(of: 1016) == .array(element: .bigInteger, delimiter: 44))
    }

    @Test func commitTimesAreISO8601UTC() {
        #expect(PGDateTime.iso(postgresMicros: 0) == "2000-01-01T00:00:00.000Z")
        #expect(PGDateTime.iso(postgresMicros: -1) == "1999-12-31T23:59:59.999999Z")
        // 2026-03-13T10:30:00.123Z
        let micros: Int64 = (1_773_397_800_123 - 946_684_800_000) * 1000
        #expect(PGDateTime.iso(postgresMicros: micros) == "2026-03-13T10:30:00.123Z")
        #expect(PGDateTime.unixMillis(postgresMicros: micros) == 1_773_397_800_123)
    }
}
