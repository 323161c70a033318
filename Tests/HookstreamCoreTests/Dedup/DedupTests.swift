import HookstreamCore
import JSONValue
import Testing

@Suite struct DedupTests {
    let body = Array(#"{"type":"payment.completed","data":{"id":"pay_xyz789","amount":2999,"ok":true,"none":null,"empty":"","items":[{"id":"a"},{"id":7}],"meta":{"b":1,"a":2}}}"#.utf8)

    func settings(_ strategy: String, _ field: String? = nil) throws -> DedupSettings {
        try #require(try DedupSettings.validate(strategy: strategy, field: field, windowSeconds: nil))
    }

    @Test func payloadHashIsSHA256HexOfTheRawBody() throws {
        let hash = try settings("payload_hash")
        #expect(hash.key(headers: [], body: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hash.key(headers: [], body: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Raw bytes, not JSON equality: re-serialised bodies are different payloads.
        #expect(hash.key(headers: [], body: Array(#"{"a":1}"#.utf8)) != hash.key(headers: [], body: Array(#"{"a": 1}"#.utf8)))
    }

    @Test func headerFieldIsCaseInsensitive() throws {
        let header = try settings("header_field", "x-github-delivery")
        #expect(header.key(headers: [("X-GitHub-Delivery", "72d3162e")], body: body) == "72d3162e")
        #expect(header.key(headers: [("Idempotency-Key", "k")], body: body) == nil)
        #expect(header.key(headers: [("X-GitHub-Delivery", "  ")], body: body) == nil)
    }

    @Test(arguments: [
        ("data.id", "pay_xyz789"), ("type", "payment.completed"), ("data.amount", "2999"), ("data.ok", "true"),
        ("data.items[0].id", "a"), ("data.items.1.id", "7"), ("data.items[1].id", "7"),
        ("data.meta", #"{"a":2,"b":1}"#),
    ])
    func bodyFieldFindsValues(path: String, expected: String) throws {
        #expect(try settings("body_field", path).key(headers: [], body: body) == expected)
    }

    @Test(arguments: ["data.missing", "data.none", "data.empty", "data.items[5].id", "data.id.deeper", "type[0]", "data.items.x"])
    func bodyFieldWithoutAValueHasNoKey(path: String) throws {
        #expect(try settings("body_field", path).key(headers: [], body: body) == nil)
    }

    @Test func nonJSONBodyHasNoBodyFieldKey() throws {
        #expect(try settings("body_field", "id").key(headers: [], body: Array("id=5".utf8)) == nil)
        #expect(try settings("body_field", "[0]").key(headers: [], body: Array(#"["x"]"#.utf8)) == "x")
    }

    @Test func validation() throws {
        #expect(try DedupSettings.validate(strategy: nil, field: nil, windowSeconds: nil) == nil)
        let hash = try settings("payload-hash")
        #expect(hash.strategy == .payloadHash)
        #expect(hash.windowSeconds == 300)
        #expect(try DedupSettings.validate(strategy: "header_field", field: "Idempotency-Key", windowSeconds: 0.2)?.windowSeconds == 0.2)
        let failures: [(String?, String?, Double?, String)] = [
            ("sha1", nil, nil, "dedup_strategy"),
            ("header_field", nil, nil, "dedup_field"),
            ("body_field", "", nil, "dedup_field"),
            ("header_field", "Bad Header", nil, "dedup_field"),
            ("body_field", "data..id", nil, "dedup_field"),
            ("body_field", "data.[x]", nil, "dedup_field"),
            ("body_field", "items[0", nil, "dedup_field"),
            ("body_field", ".", nil, "dedup_field"),
            ("payload_hash", nil, 0, "dedup_window_seconds"),
            ("payload_hash", nil, -5, "dedup_window_seconds"),
            ("payload_hash", nil, .infinity, "dedup_window_seconds"),
        ]
        for (strategy, field, window, expectedField) in failures {
            do {
                _ = try DedupSettings.validate(strategy: strategy, field: field, windowSeconds: window)
                Issue.record("accepted \(String(describing: strategy)) \(String(describing: field)) \(String(describing: window))")
            } catch {
                #expect(error.field == expectedField)
            }
        }
        #expect(throws: PolicyValidationError(
            field: "dedup_field", message: #"dedup_field (the header name) is required when dedup_strategy is "header_field""#
        )) { try DedupSettings.validate(strategy: "header_field", field: nil, windowSeconds: nil) }
    }

    @Test func validationFromARequestBodyChecksTypes() throws {
        let parsed = try DedupSettings.validate(
            request: ["name": "GitHub", "dedup_strategy": "header_field", "dedup_field": "x-github-delivery", "dedup_window_seconds": 600]
        )
        #expect(parsed?.strategy == .headerField)
        #expect(parsed?.field == "x-github-delivery")
        #expect(parsed?.windowSeconds == 600)
        #expect(try DedupSettings.validate(request: ["name": "x"]) == nil)
        #expect(try DedupSettings.validate(request: ["dedup_strategy": nil]) == nil)
        #expect(throws: PolicyValidationError.self) { try DedupSettings.validate(request: ["dedup_strategy": 5]) }
        #expect(throws: PolicyValidationError.self) {
            try DedupSettings.validate(request: ["dedup_strategy": "body_field", "dedup_field": ["a"]])
        }
        #expect(throws: PolicyValidationError.self) {
            try DedupSettings.validate(request: ["dedup_strategy": "payload_hash", "dedup_window_seconds": "300"])
        }
    }
}
