import HookstreamCore
import JSONValue
import Testing

@Suite struct RecordUpsertTests {
    private func path(_ text: String) throws -> CollectionPath { try CollectionPath(parsing: text, field: "primary_key_path") }

    @Test(arguments: [
        // existing (at, id), incoming (at, id), decision
        (nil, (10, "evt_b"), RecordUpsert.Decision.create),
        ((10, "evt_b"), (11, "evt_a"), .replace),  // later time wins whatever the ID
        ((10, "evt_b"), (9, "evt_c"), .skipOlder),  // an earlier time loses whatever the ID
        ((10, "evt_b"), (10, "evt_c"), .replace),  // a tie goes to the greater ID
        ((10, "evt_b"), (10, "evt_a"), .skipOlder),
        ((10, "evt_b"), (10, "evt_b"), .unchanged),  // the same event twice
    ] as [((Int64, String)?, (Int64, String), RecordUpsert.Decision)])
    func lastWriteWins(existing: (Int64, String)?, incoming: (Int64, String), expected: RecordUpsert.Decision) {
        let decision = RecordUpsert.decide(
            existing: existing.map { RecordVersion(sourceEventAt: $0.0, eventID: $0.1) },
            incoming: RecordVersion(sourceEventAt: incoming.0, eventID: incoming.1))
        #expect(decision == expected)
    }

    @Test func keysAreTextAndNumbersAreNormalized() throws {
        let p = try path("data.id")
        func key(_ body: String) throws -> String? { RecordUpsert.key(at: p, in: try JSON(parsing: body)) }
        #expect(try key(#"{"data":{"id":"cus_1"}}"#) == "cus_1")
        #expect(try key(#"{"data":{"id":42}}"#) == "42")
        #expect(try key(#"{"data":{"id":42.0}}"#) == "42")
        #expect(try key(#"{"data":{"id":4.2e1}}"#) == "42")
        #expect(try key(#"{"data":{"id":-0.5}}"#) == "-0.5")
        for none in [#"{"data":{}}"#, #"{"data":{"id":null}}"#, #"{"data":{"id":true}}"#, #"{"data":{"id":[1]}}"#, #"{"data":{"id":""}}"#, "[]", "7"] {
            #expect(try key(none) == nil, "\(none)")
        }
        #expect(RecordUpsert.key(at: p, in: nil) == nil)
        let long = String(repeating: "x", count: RecordUpsert.maximumKeyBytes + 1)
        #expect(try key(#"{"data":{"id":"\#(long)"}}"#) == nil)
    }

    @Test func pathsAcceptFilterPrefixesBarePathsAndIndexes() throws {
        let body = try JSON(parsing: #"{"data":{"items":[{"id":"a"},{"id":"b"}],"id":"x"},"body":{"id":"inner"}}"#)
        #expect(RecordUpsert.key(at: try path("data.id"), in: body) == "x")
        #expect(RecordUpsert.key(at: try path("body.data.id"), in: body) == "x")
        #expect(RecordUpsert.key(at: try path("payload.data.id"), in: body) == "x")
        #expect(RecordUpsert.key(at: try path("data.items[1].id"), in: body) == "b")
        #expect(RecordUpsert.key(at: try path("data.items.0.id"), in: body) == "a")
        // A body member literally named "body" is reached through the prefix.
        #expect(RecordUpsert.key(at: try path("body.body.id"), in: body) == "inner")
        #expect(RecordUpsert.key(at: try path("bodyguard"), in: ["bodyguard": "k"]) == "k")
    }

    @Test(arguments: ["", "  ", "data..id", "data.", ".id", "body", "payload", "body.", "data[x]", "data[0", " data.id", "data.id "])
    func invalidPathsAreRefusedNamingTheField(_ text: String) {
        #expect(throws: CollectionPathError.self) { try CollectionPath(parsing: text, field: "primary_key_path") }
        do {
            _ = try CollectionPath(parsing: text, field: "primary_key_path")
        } catch {
            #expect(error.description.hasPrefix("'primary_key_path' "))
        }
    }

    @Test func eventTimesComeFromThePayloadWhenNamedAndReadable() throws {
        let at = try path("created")
        let received: Int64 = 5
        func time(_ value: JSON) -> Int64 { RecordUpsert.sourceEventAt(timestampPath: at, in: ["created": value], receivedAt: received) }
        #expect(time(1_780_000_000) == 1_780_000_000_000)  // Unix seconds (Stripe's created)
        #expect(time(1_780_000_000.5) == 1_780_000_000_500)
        #expect(time(1_780_000_000_123) == 1_780_000_000_123)  // milliseconds
        #expect(time("2026-05-28T20:26:40Z") == 1_780_000_000_000)
        #expect(time("2026-05-28T22:26:40.250+02:00") == 1_780_000_000_250)
        #expect(time("1780000000") == 1_780_000_000_000)
        // Unreadable: the reception time.
        for bad: JSON in ["yesterday", -1, true, nil, ["a": 1], "1e5"] { #expect(time(bad) == received, "\(bad)") }
        #expect(RecordUpsert.sourceEventAt(timestampPath: at, in: ["other": 1], receivedAt: received) == received)
        #expect(RecordUpsert.sourceEventAt(timestampPath: nil, in: ["created": 1], receivedAt: received) == received)
    }
}
