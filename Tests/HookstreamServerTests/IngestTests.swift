import Foundation
import HookstreamTesting
import JSONValue
import Testing

@Suite struct IngestTests {
    func makeSource(_ server: TestServer, _ name: String = "ingest") async throws -> String {
        try #require(try await server.client.post("/v1/sources", ["name": .string(name)]).json["id"]?.stringValue)
    }

    @Test func everyMethodIsCapturedWithHeadersQueryAndBody() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
            let response = try await server.anonymous.request(
                method, "/v1/ingest/\(source)?order=42&tag=a&tag=b", body: method == "GET" || method == "HEAD" ? nil : Array("{\"type\":\"order.created\",\"amount\":4999}".utf8),
                headers: [("Content-Type", "application/json"), ("X-Custom", "one")])
            #expect(response.status == 200, "\(method)")
            if method != "HEAD" {
                #expect(response.json["source_id"]?.stringValue == source)
                let eventID = try #require(response.json["event_id"]?.stringValue)
                #expect(eventID.hasPrefix("evt_") && eventID.count == 36)
                let event = try await server.client.get("/v1/events/\(eventID)").json
                #expect(event["method"]?.stringValue == method)
                #expect(event["headers"]?["x-custom"] == "one")
                #expect(event["query"]?["order"] == "42")
                #expect(event["query"]?["tag"] == ["a", "b"])
                #expect(event["source_ip"] == "127.0.0.1")
                #expect(event["status"] == "received")
                #expect(event["delivery_attempts"] == [])
                #expect(event["received_at"]?.stringValue?.hasSuffix("Z") == true)
                if method != "GET" {
                    #expect(event["body"]?["type"] == "order.created")
                    #expect(event["content_type"] == "application/json")
                    #expect(event["body_size"] == 38)
                }
            }
        }
        let events = try await server.client.get("/v1/events?source_id=\(source)").json
        #expect(events["pagination"]?["total"] == 7)
        #expect(try await server.client.get("/v1/sources/\(source)").json["event_count"] == 7)
    }

    @Test func unknownSourceIsNotFound() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        #expect(try await server.anonymous.request("POST", "/v1/ingest/src_0123456789abcdef0123456789abcdef", json: [:]).status == 404)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/whatever", json: [:]).status == 404)
    }

    @Test func oversizeBodyIsRefusedAndNothingIsStored() async throws {
        let server = try await TestServer.start { $0.maxBodyBytes = 1000 }
        defer { server.stop() }
        let source = try await makeSource(server)
        let response = try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: [UInt8](repeating: 0x61, count: 1001))
        #expect(response.status == 413)
        #expect(response.json["status"] == 413)
        #expect(try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: [UInt8](repeating: 0x61, count: 1000)).status == 200)
        #expect(try await server.client.get("/v1/events").json["pagination"]?["total"] == 1)
    }

    @Test func bodiesAreKeptByteExact() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        // A large JSON body goes to the blob store and comes back transparently, with large
        // integers untouched.
        let items = (0..<2000).map { "{\"sku\":\"SKU-\($0)\",\"id\":12345678901234567890}" }.joined(separator: ",")
        let large = "{\"items\":[\(items)]}"
        let bigID = try #require(try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: Array(large.utf8), headers: [("Content-Type", "application/json")]).json["event_id"]?.stringValue)
        let bigEvent = try await server.client.get("/v1/events/\(bigID)")
        #expect(bigEvent.json["body_size"] == .number(Double(large.utf8.count)))
        #expect(bigEvent.json["body"]?["items"]?[1999]?["sku"] == "SKU-1999")
        #expect(bigEvent.text.contains("\"id\":12345678901234567890"))
        // On a shared database (PostgreSQL test runs) every body stays in its row instead.
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: server.dataDirectory + "/blobs")
        #expect(blobs.contains { $0.hasSuffix(bigID) } == !TestStore.isPostgres)

        // Binary: base64 with its encoding named.
        let binary: [UInt8] = [0xFF, 0x00, 0xFE, 0x80, 0x41]
        let binID = try #require(try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: binary, headers: [("Content-Type", "application/octet-stream")]).json["event_id"]?.stringValue)
        let binEvent = try await server.client.get("/v1/events/\(binID)").json
        #expect(binEvent["body_encoding"] == "base64")
        #expect(binEvent["body"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map([UInt8].init) == binary)

        // Malformed JSON at ingest is not an error: it is kept as text.
        let textID = try #require(try await server.anonymous.request("POST", "/v1/ingest/\(source)", body: Array("{not json".utf8), headers: [("Content-Type", "application/json")]).json["event_id"]?.stringValue)
        let textEvent = try await server.client.get("/v1/events/\(textID)").json
        #expect(textEvent["body"] == "{not json")
        #expect(textEvent["body_encoding"] == "utf8")
    }

    @Test func concurrentRequestsAreAllCommitted() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let source = try await makeSource(server)
        let client = server.anonymous
        let ids = try await concurrently(Array(0..<300)) { i in
            let response = try await client.request("POST", "/v1/ingest/\(source)", json: ["n": .number(Double(i))])
            return response.status == 200 ? response.json["event_id"]?.stringValue : nil
        }.compactMap { $0 }
        #expect(ids.count == 300)
        #expect(Set(ids).count == 300)
        #expect(try await server.client.get("/v1/events").json["pagination"]?["total"] == 300)
        #expect(try await server.client.get("/v1/sources/\(source)").json["event_count"] == 300)
    }

    @Test func eventsCanBeFilteredSearchedAndPaged() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let a = try await makeSource(server, "a")
        let b = try await makeSource(server, "b")
        var ids: [String] = []
        for i in 0..<6 {
            let source = i % 2 == 0 ? a : b
            let body: JSON = ["type": .string(i == 3 ? "invoice.paid" : "order.created"), "n": .number(Double(i))]
            ids.append(try #require(try await server.anonymous.request("POST", "/v1/ingest/\(source)", json: body).json["event_id"]?.stringValue))
        }
        let api = server.client
        let onlyA = try await api.get("/v1/events?source_id=\(a)").json
        #expect(onlyA["pagination"]?["total"] == 3)
        #expect(onlyA["events"]?.arrayValue?.allSatisfy { $0["source_name"] == "a" } == true)
        let search = try await api.get("/v1/events?search=invoice.paid").json
        #expect(search["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[3]])
        let byPrefix = try await api.get("/v1/events?search=\(ids[2])").json
        #expect(byPrefix["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2]])
        #expect(try await api.get("/v1/events?status=received").json["pagination"]?["total"] == 6)
        #expect(try await api.get("/v1/events?status=failed").json["pagination"]?["total"] == 0)
        #expect(try await api.get("/v1/events?status=bogus").status == 400)
        #expect(try await api.get("/v1/events?after=yesterday").status == 400)
        #expect(try await api.get("/v1/events?after=2000-01-01T00:00:00Z&before=2999-01-01T00:00:00Z").json["pagination"]?["total"] == 6)
        #expect(try await api.get("/v1/events?before=2000-01-01T00:00:00Z").json["pagination"]?["total"] == 0)

        let page1 = try await api.get("/v1/events?limit=4").json
        #expect(page1["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == Array(ids.reversed().prefix(4)))
        #expect(page1["pagination"]?["has_more"] == true)
        let cursor = try #require(page1["pagination"]?["next_cursor"]?.stringValue)
        let page2 = try await api.get("/v1/events?limit=4&cursor=\(cursor)").json
        #expect(page2["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[1], ids[0]])
        #expect(page2["pagination"]?["has_more"] == false)

        // Tenant isolation: another organization sees none of it.
        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/events").json["pagination"]?["total"] == 0)
        #expect(try await other.get("/v1/events/\(ids[0])").status == 404)
    }
}
