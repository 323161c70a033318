import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct CollectionsTests {
    private func makeSource(_ server: TestServer, _ name: String = "Stripe") async throws -> String {
        try #require(try await server.client.post("/v1/sources", ["name": .string(name)]).json["id"]?.stringValue)
    }

    private func makeCollection(_ server: TestServer, source: String, _ extra: JSONObject = [:]) async throws -> String {
        var body: JSONObject = ["name": "Customers", "source_id": .string(source), "primary_key_path": "data.object.id"]
        for (k, v) in extra { body[k] = v }
        let created = try await server.client.post("/v1/collections", .object(body))
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.json["collection"]?["id"]?.stringValue)
    }

    @Test func createReadListUpdateDelete() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let source = try await makeSource(server)
        let created = try await api.post(
            "/v1/collections", ["name": "Orders", "slug": "orders", "source_id": .string(source), "primary_key_path": "data.id", "description": "Every order"])
        #expect(created.status == 201)
        let collection = try #require(created.json["collection"])
        let id = try #require(collection["id"]?.stringValue)
        #expect(id.hasPrefix("col_") && id.count == 4 + 32)
        #expect(collection["slug"] == "orders")
        #expect(collection["source_id"] == .string(source))
        #expect(collection["primary_key_path"] == "data.id")
        #expect(collection["timestamp_path"] == .null)
        #expect(collection["record_count"] == 0)
        #expect(collection["description"] == "Every order")

        let fetched = try await api.get("/v1/collections/\(id)")
        #expect(fetched.status == 200)
        #expect(fetched.json["name"] == "Orders")
        #expect(fetched.json["updated_at"]?.stringValue != nil)

        let listed = try await api.get("/v1/collections")
        #expect(listed.json["collections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [id])
        #expect(listed.json["has_more"] == false)
        #expect(try await api.get("/v1/collections?source_id=src_00").json["collections"] == [])

        let patched = try await api.patch("/v1/collections/\(id)", ["name": "All Orders", "description": nil])
        #expect(patched.status == 200)
        #expect(patched.json["name"] == "All Orders")
        #expect(patched.json["description"] == .null)
        #expect(patched.json["slug"] == "orders")

        // Slugs are unique per environment; one derived from the name is made unique instead.
        #expect(try await api.post("/v1/collections", ["name": "x", "slug": "orders", "source_id": .string(source), "primary_key_path": "id"]).status == 409)
        let derived = try await api.post("/v1/collections", ["name": "All Orders", "source_id": .string(source), "primary_key_path": "id"])
        #expect(derived.status == 201)
        #expect(derived.json["collection"]?["slug"] == "all-orders")

        #expect(try await api.delete("/v1/collections/\(id)").status == 200)
        #expect(try await api.get("/v1/collections/\(id)").status == 404)
        #expect(try await api.delete("/v1/collections/\(id)").status == 404)
        #expect(try await api.get("/v1/collections/\(id)/records").status == 404)
    }

    @Test func badInputIsRefusedWithTheStandardError() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let source = try await makeSource(server)
        func create(_ body: JSONObject) async throws -> TestResponse { try await api.post("/v1/collections", .object(body)) }
        let base: JSONObject = ["name": "C", "source_id": .string(source), "primary_key_path": "data.id"]
        for bad in ["", " ", "data..id", "data.", ".id", "body", "payload", "data[x]", " data.id"] {
            var body = base
            body["primary_key_path"] = .string(bad)
            let response = try await create(body)
            #expect(response.status == 400, "primary_key_path \"\(bad)\"")
            #expect(response.json["error"]?.stringValue?.contains("primary_key_path") == true, "\(response.text)")
            #expect(response.json["request_id"]?.stringValue?.hasPrefix("req_") == true)
        }
        var badTimestamp = base
        badTimestamp["timestamp_path"] = "created..at"
        #expect(try await create(badTimestamp).status == 400)
        var typo = base
        typo["primary_key_pth"] = "id"
        let unknown = try await create(typo)
        #expect(unknown.status == 400)
        #expect(unknown.json["error"]?.stringValue?.contains("did you mean 'primary_key_path'") == true)
        var missing = base
        missing["primary_key_path"] = nil
        #expect(try await create(missing).status == 400)
        var badSlug = base
        badSlug["slug"] = "Not A Slug"
        #expect(try await create(badSlug).status == 400)
        var unknownSource = base
        unknownSource["source_id"] = "src_0123"
        #expect(try await create(unknownSource).status == 404)
        // Prefixed paths are accepted as filters write them.
        for good in ["body.data.id", "payload.data.id", "data.items[0].id", "id"] {
            var body = base
            body["primary_key_path"] = .string(good)
            #expect(try await create(body).status == 201, "primary_key_path \"\(good)\"")
        }

        let id = try await makeCollection(server, source: source)
        let fixed = try await api.patch("/v1/collections/\(id)", ["primary_key_path": "data.id"])
        #expect(fixed.status == 400)
        #expect(fixed.json["error"]?.stringValue?.contains("cannot be changed") == true)
        #expect(try await api.patch("/v1/collections/\(id)", ["record_count": 5]).status == 400)
        #expect(try await api.get("/v1/collections/\(id)").json["primary_key_path"] == "data.object.id")
        #expect(try await api.get("/v1/collections/\(id)/records?limit=0").status == 400)
    }

    @Test func anotherOrganizationGetsNotFound() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        let id = try await makeCollection(server, source: source)
        _ = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: ["data": ["object": ["id": "cus_1"]]])
        let other = try await server.newTenantKey()
        // Their collection may not read our source.
        let theirs = try await other.post("/v1/collections", ["name": "Spy", "source_id": .string(source), "primary_key_path": "id"])
        #expect(theirs.status == 404)
        for path in ["", "/stats", "/schema", "/records", "/records/cus_1", "/records/cus_1/changelog"] {
            #expect(try await other.get("/v1/collections/\(id)\(path)").status == 404, "GET \(path)")
        }
        #expect(try await other.patch("/v1/collections/\(id)", ["name": "stolen"]).status == 404)
        #expect(try await other.delete("/v1/collections/\(id)").status == 404)
        #expect(try await other.get("/v1/collections").json["collections"] == [])
        #expect(try await server.client.get("/v1/collections/\(id)/records/cus_1").status == 200)
    }

    @Test func webhooksKeepTheLatestStateOfEachObject() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let source = try await makeSource(server)
        let id = try await makeCollection(server, source: source)
        func send(_ customer: JSON, _ email: String) async throws -> String {
            let response = try await server.anonymous.request(
                "POST", "/v1/ingest/\(source)", json: ["type": "customer.updated", "data": ["object": ["id": customer, "email": .string(email)]]])
            #expect(response.status == 200)
            return try #require(response.json["event_id"]?.stringValue)
        }
        let first = try await send("cus_1", "a@example.com")
        _ = try await send("cus_2", "b@example.com")
        let second = try await send("cus_1", "a2@example.com")
        _ = try await send("cus/3 x", "c@example.com")
        _ = try await send(7, "seven@example.com")
        _ = try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: ["type": "ping"])

        let record = try await api.get("/v1/collections/\(id)/records/cus_1")
        #expect(record.status == 200)
        let r = try #require(record.json["record"])
        #expect(r["record_key"] == "cus_1")
        #expect(r["collection_id"] == .string(id))
        #expect(r["event_id"] == .string(second))
        #expect(r["data"]?["data"]?["object"]?["email"] == "a2@example.com")
        #expect(r["id"]?.stringValue?.hasPrefix("rec_") == true)
        #expect(try await api.get("/v1/collections/\(id)/records/cus%2F3%20x").json["record"]?["primary_key"] == "cus/3 x")
        #expect(try await api.get("/v1/collections/\(id)/records/7").json["record"]?["record_key"] == "7")
        #expect(try await api.get("/v1/collections/\(id)/records/nope").status == 404)

        let changelog = try await api.get("/v1/collections/\(id)/records/cus_1/changelog")
        let entries = try #require(changelog.json["changelog"]?.arrayValue)
        #expect(entries.compactMap { $0["event_id"]?.stringValue } == [second, first])
        #expect(entries.compactMap { $0["action"]?.stringValue } == ["updated", "created"])
        #expect(entries.first?["id"]?.stringValue?.hasPrefix("cl_") == true)

        let page1 = try await api.get("/v1/collections/\(id)/records?limit=3")
        #expect(page1.json["records"]?.arrayValue?.compactMap { $0["primary_key"]?.stringValue } == ["7", "cus/3 x", "cus_2"])
        #expect(page1.json["has_more"] == true)
        let cursor = try #require(page1.json["next_cursor"]?.stringValue)
        let page2 = try await api.get("/v1/collections/\(id)/records?limit=3&cursor=\(cursor)")
        #expect(page2.json["records"]?.arrayValue?.compactMap { $0["primary_key"]?.stringValue } == ["cus_1"])
        #expect(page2.json["next_cursor"] == .null)

        let stats = try await api.get("/v1/collections/\(id)/stats")
        #expect(stats.json["record_count"] == 4)
        #expect(stats.json["changelog_entries"] == 5)
        #expect(stats.json["skipped_no_key"] == 1)
        #expect(stats.json["skipped_older"] == 0)
        #expect(stats.json["last_sync_at"]?.stringValue != nil)
        #expect(try await api.get("/v1/collections/\(id)").json["record_count"] == 4)
    }

    @Test func searchFindsRecordsByTheirCurrentData() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let source = try await makeSource(server)
        let id = try await makeCollection(server, source: source)
        func send(_ customer: String, _ email: String, _ name: String) async throws {
            let body: JSON = ["data": ["object": ["id": .string(customer), "email": .string(email), "name": .string(name)]]]
            #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: body).status == 200)
        }
        try await send("cus_1", "jane@example.com", "Jane Doe")
        try await send("cus_2", "john@example.org", "John Roe")
        try await send("cus_3", "jo@example.com", "Jo Doe")
        func keys(_ query: String) async throws -> [String] {
            let response = try await api.get("/v1/collections/\(id)/records?\(query)")
            #expect(response.status == 200)
            return response.json["records"]?.arrayValue?.compactMap { $0["primary_key"]?.stringValue } ?? []
        }
        #expect(try await keys("search=jane%40example.com") == ["cus_1"])
        #expect(try await keys("q=DOE") == ["cus_3", "cus_1"])
        #expect(try await keys("q=doe%20jo") == ["cus_3"])
        #expect(try await keys("search=example") == ["cus_3", "cus_2", "cus_1"])
        #expect(try await keys("search=nobody") == [])
        // FTS syntax typed by a user is text, never a 500.
        #expect(try await keys("search=%22AND%20*%20NEAR(") == [])
        #expect(try await keys("search=") == ["cus_3", "cus_2", "cus_1"])
        let tooLong = try await api.get("/v1/collections/\(id)/records?search=\(String(repeating: "a", count: 501))")
        #expect(tooLong.status == 400)
        #expect(tooLong.json["error"]?.stringValue?.contains("search") == true)
        // Search pages like the plain list.
        let page1 = try await api.get("/v1/collections/\(id)/records?search=example&limit=2")
        #expect(page1.json["has_more"] == true)
        let cursor = try #require(page1.json["next_cursor"]?.stringValue)
        #expect(try await keys("search=example&limit=2&cursor=\(cursor)") == ["cus_1"])
        // The index follows the record: an update's old data is no longer found.
        try await send("cus_1", "jane@newmail.net", "Jane Doe")
        #expect(try await keys("search=jane%40example.com") == [])
        #expect(try await keys("q=newmail") == ["cus_1"])
    }

    @Test func schemaIsInferredFromTheNewestRecords() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let source = try await makeSource(server)
        let id = try await makeCollection(server, source: source)
        let empty = try await api.get("/v1/collections/\(id)/schema")
        #expect(empty.status == 200)
        #expect(empty.json["fields"] == [] && empty.json["sample_count"] == 0)
        let bodies: [JSON] = [
            ["type": "customer.created", "data": ["object": ["id": "cus_1", "email": "a@x.io", "balance": 0, "tags": ["vip"], "items": [["sku": "s1"]]]]],
            ["type": "customer.updated", "data": ["object": ["id": "cus_2", "email": nil, "balance": "n/a"]]],
        ]
        for body in bodies { #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: body).status == 200) }
        let schema = try await api.get("/v1/collections/\(id)/schema")
        #expect(schema.status == 200)
        #expect(schema.json["sample_count"] == 2 && schema.json["truncated"] == false)
        let fields = schema.json["fields"]?.arrayValue ?? []
        // The newest record is sampled first, so its paths lead.
        #expect(fields.compactMap { $0["name"]?.stringValue } == [
            "type", "data.object.id", "data.object.email", "data.object.balance", "data.object.tags", "data.object.tags[]", "data.object.items",
            "data.object.items[].sku",
        ])
        let byName = Dictionary(uniqueKeysWithValues: fields.compactMap { f in f["name"]?.stringValue.map { ($0, f) } })
        #expect(byName["type"] == ["name": "type", "type": "string", "nullable": false])
        #expect(byName["data.object.email"]?["nullable"] == true)
        #expect(byName["data.object.balance"] == ["name": "data.object.balance", "type": "mixed", "nullable": false, "types": ["number", "string"]])
        #expect(byName["data.object.tags"]?["type"] == "array" && byName["data.object.tags"]?["nullable"] == true)
        #expect(byName["data.object.items[].sku"]?["type"] == "string")
    }

    /// A body over the inline limit lives in the blob store; the upsert reads it from the
    /// request, inside the same commit.
    @Test func largeBodiesAreSyncedToo() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        let id = try await makeCollection(server, source: source)
        let padding = String(repeating: "x", count: 64 * 1024)
        let response = try await server.anonymous.request(
            "POST", "/v1/ingest/\(source)", json: ["data": ["object": ["id": "cus_big", "notes": .string(padding)]]])
        #expect(response.status == 200)
        let record = try await server.client.get("/v1/collections/\(id)/records/cus_big")
        #expect(record.status == 200)
        #expect(record.json["record"]?["data"]?["data"]?["object"]?["notes"]?.stringValue?.count == padding.count)
    }

    /// 1,000 webhooks, 16 at a time, about 10 objects, each carrying the provider's version time in
    /// random order: every record ends as the newest version of its object.
    @Test func concurrentUpdatesEndAtTheNewestVersionPerKey() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        let byTime = try await makeCollection(server, source: source, ["slug": "by-time", "timestamp_path": "created"])
        let byArrival = try await makeCollection(server, source: source, ["slug": "by-arrival"])
        let versions = (0..<1000).map { n in (key: "cus_\(n % 10)", created: 1_700_000_000 + n) }.shuffled()
        let client = server.anonymous
        _ = try await concurrently(versions) { v in
            let body: JSON = ["created": .number(Double(v.created)), "data": ["object": ["id": .string(v.key), "created": .number(Double(v.created))]]]
            let response = try await client.request("POST", "/v1/ingest/\(source)", json: body)
            #expect(response.status == 200)
        }
        var newest: [String: Int] = [:]
        for v in versions { newest[v.key] = max(newest[v.key] ?? 0, v.created) }
        let api = server.client
        for (key, created) in newest {
            let record = try await api.get("/v1/collections/\(byTime)/records/\(key)")
            #expect(record.json["record"]?["data"]?["created"] == .number(Double(created)), "\(key)")
        }
        let stats = try await api.get("/v1/collections/\(byTime)/stats")
        #expect(stats.json["record_count"] == 10)
        #expect(stats.json["changelog_entries"] == 1000)

        // By arrival: each record is the event with the greatest (received_at, id) of its key,
        // as its own changelog (every event, skipped ones included) shows.
        var logged = 0
        for key in newest.keys {
            let record = try #require(try await api.get("/v1/collections/\(byArrival)/records/\(key)").json["record"])
            var entries: [(at: String, id: String)] = []
            var cursor: String?
            repeat {
                let page = try await api.get("/v1/collections/\(byArrival)/records/\(key)/changelog?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
                for e in page.json["changelog"]?.arrayValue ?? [] {
                    entries.append((try #require(e["source_event_at"]?.stringValue), try #require(e["event_id"]?.stringValue)))
                }
                cursor = page.json["next_cursor"]?.stringValue
            } while cursor != nil
            logged += entries.count
            let winner = try #require(entries.max { ($0.at, $0.id) < ($1.at, $1.id) })
            #expect(record["event_id"] == .string(winner.id), "\(key)")
        }
        #expect(logged == 1000)
    }
}
