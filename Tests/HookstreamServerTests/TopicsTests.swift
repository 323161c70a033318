import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Topics end to end over real HTTP: CRUD with the page's fields and errors, fan-out to real
/// receivers with per-subscription filters and transforms, and publishes that are events.
@Suite struct TopicsTests {
    func destination(_ server: TestServer, _ name: String, url: String = "https://e.com/hook") async throws -> String {
        let created = try await server.client.post("/v1/destinations", ["name": .string(name), "url": .string(url)])
        return try #require(created.json["id"]?.stringValue, "\(created.text)")
    }

    @Test func topicsAndSubscriptionsCRUD() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let created = try await api.post("/v1/topics", ["name": "Order Events", "slug": "order-events", "description": "All orders"])
        #expect(created.status == 201)
        let id = try #require(created.json["id"]?.stringValue)
        #expect(ResourceID.isWellFormed(id, .topic))
        #expect(created.json["publish_url"] == .string(server.baseURL + "/v1/topics/order-events/publish"))
        #expect(created.json["subscription_count"] == 0)

        // Slug rules: taken → 409, malformed → 400 saying the rule, required.
        #expect(try await api.post("/v1/topics", ["name": "Again", "slug": "order-events"]).status == 409)
        let bad = try await api.post("/v1/topics", ["name": "Bad", "slug": "Order_Events"])
        #expect(bad.status == 400)
        #expect(bad.json["error"]?.stringValue?.contains("lower-case letters, digits and hyphens") == true)
        #expect(try await api.post("/v1/topics", ["name": "No slug"]).status == 400)
        #expect(try await api.post("/v1/topics", ["slug": "no-name"]).status == 400)
        #expect(try await api.post("/v1/topics", ["name": "x", "slug": "x", "colour": "red"]).status == 400)

        // Subscriptions: validated at save like connections.
        let backend = try await destination(server, "Backend API")
        let sub = try await api.post(
            "/v1/topics/\(id)/subscriptions",
            ["destination_id": .string(backend), "filter_rules": [["field": "payload.type", "op": "eq", "value": "order.created"]]])
        #expect(sub.status == 201, "\(sub.text)")
        let subID = try #require(sub.json["subscription"]?["id"]?.stringValue)
        #expect(ResourceID.isWellFormed(subID, .subscription))
        #expect(sub.json["subscription"]?["destination_name"] == "Backend API")
        #expect(sub.json["subscription"]?["topic_id"] == .string(id))
        let syntax = try await api.post("/v1/topics/\(id)/subscriptions", ["destination_id": .string(backend), "transform_expression": "{ orderId: "])
        #expect(syntax.status == 400)
        #expect(syntax.json["code"]?.stringValue?.hasPrefix("S0") == true)
        #expect(syntax.json["position"]?.numberValue != nil)
        #expect(try await api.post("/v1/topics/\(id)/subscriptions", ["destination_id": .string(backend), "filter_rules": [["field": "payload.type", "op": "like", "value": "x"]]]).status == 400)
        #expect(try await api.post("/v1/topics/\(id)/subscriptions", ["destination_id": "dst_0123456789abcdef0123456789abcdef"]).status == 400)
        #expect(try await api.post("/v1/topics/top_0123456789abcdef0123456789abcdef/subscriptions", ["destination_id": .string(backend)]).status == 404)

        let patched = try await api.patch("/v1/topics/\(id)/subscriptions/\(subID)", ["transform_expression": #"{ "id": data.id }"#])
        #expect(patched.status == 200)
        #expect(patched.json["subscription"]?["transform_expression"] == #"{ "id": data.id }"#)
        #expect(patched.json["subscription"]?["filter_rules"]?[0]?["value"] == "order.created")
        #expect(try await api.patch("/v1/topics/\(id)/subscriptions/\(subID)", ["transform_expression": "$$$("]).status == 400)

        let got = try await api.get("/v1/topics/\(id)")
        #expect(got.json["topic"]?["subscription_count"] == 1)
        #expect(got.json["subscriptions"]?.arrayValue?.count == 1)
        #expect(got.json["subscriptions"]?[0]?["destination_name"] == "Backend API")

        let renamed = try await api.patch("/v1/topics/\(id)", ["description": "Order lifecycle events"])
        #expect(renamed.json["description"] == "Order lifecycle events")
        #expect(renamed.json["name"] == "Order Events")
        #expect(try await api.patch("/v1/topics/\(id)", ["slug": "other"]).status == 400)

        // Pagination like every other list.
        for n in 0..<3 { #expect(try await api.post("/v1/topics", ["name": .string("T\(n)"), "slug": .string("t-\(n)")]).status == 201) }
        let first = try await api.get("/v1/topics?limit=3").json
        #expect(first["topics"]?.arrayValue?.count == 3)
        #expect(first["has_more"] == true)
        let cursor = try #require(first["cursor"]?.stringValue)
        let second = try await api.get("/v1/topics?limit=3&cursor=\(cursor)").json
        #expect(second["topics"]?.arrayValue?.map { $0["id"] } == [.string(id)])
        #expect(second["has_more"] == false)

        // Another environment sees none of it, and cannot publish to the slug.
        let other = try await server.newTenantKey()
        #expect(try await other.get("/v1/topics/\(id)").status == 404)
        #expect(try await other.post("/v1/topics/order-events/publish", ["type": "x"]).status == 404)

        #expect(try await api.delete("/v1/topics/\(id)/subscriptions/\(subID)").status == 200)
        #expect(try await api.delete("/v1/topics/\(id)/subscriptions/\(subID)").status == 404)
        #expect(try await api.get("/v1/topics/\(id)").json["topic"]?["subscription_count"] == 0)
        #expect(try await api.delete("/v1/topics/\(id)").status == 200)
        #expect(try await api.get("/v1/topics/\(id)").status == 404)
        // The slug is free again.
        #expect(try await api.post("/v1/topics", ["name": "Order Events", "slug": "order-events"]).status == 201)
    }

    /// Publish reads topics and subscriptions from a cache; every change through the API must
    /// show on the next publish, including a slug that did not exist a moment ago.
    @Test func publishSeesTopicAndSubscriptionChangesAtOnce() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        #expect(try await api.post("/v1/topics/late/publish", ["n": 0]).status == 404)
        let topic = try #require(try await api.post("/v1/topics", ["name": "Late", "slug": "late"]).json["id"]?.stringValue)
        #expect(try await api.post("/v1/topics/late/publish", ["n": 1]).status == 200)
        let target = try await destination(server, "Target", url: receiver.url + "/late")
        let subscribed = try await api.post("/v1/topics/\(topic)/subscriptions", ["destination_id": .string(target)])
        let subscription = try #require(subscribed.json["subscription"]?["id"]?.stringValue, "\(subscribed.text)")
        #expect(try await api.post("/v1/topics/late/publish", ["n": 2]).status == 200)
        #expect(try JSON(parsing: try await receiver.waitFor(count: 1)[0].body) == ["n": 2])
        let filtered = try await api.patch(
            "/v1/topics/\(topic)/subscriptions/\(subscription)", ["filter_rules": [["field": "payload.n", "op": "gt", "value": 3]]])
        #expect(filtered.status == 200, "\(filtered.text)")
        #expect(try await api.post("/v1/topics/late/publish", ["n": 3]).status == 200)
        #expect(try await api.post("/v1/topics/late/publish", ["n": 4]).status == 200)
        let received = try await receiver.waitFor(count: 2)
        #expect(try JSON(parsing: received[1].body) == ["n": 4])
        #expect(try await api.delete("/v1/topics/\(topic)").status == 200)
        #expect(try await api.post("/v1/topics/late/publish", ["n": 5]).status == 404)
    }

    @Test func publishFansOutWithPerSubscriptionFiltersAndTransforms() async throws {
        let server = try await TestServer.start { $0.maxBodyBytes = 4096 }
        defer { server.stop() }
        let api = server.client
        let receivers = [try await TestReceiver.start(), try await TestReceiver.start(), try await TestReceiver.start()]
        defer { for r in receivers { r.stop() } }
        let topic = try #require(try await api.post("/v1/topics", ["name": "Orders", "slug": "orders"]).json["id"]?.stringValue)
        let everything = try await destination(server, "All", url: receivers[0].url + "/all")
        let created = try await destination(server, "Created", url: receivers[1].url + "/created")
        let large = try await destination(server, "Large", url: receivers[2].url + "/large")
        for body: JSON in [
            ["destination_id": .string(everything)],
            [
                "destination_id": .string(created), "filter_rules": [["field": "payload.type", "op": "eq", "value": "order.created"]],
                "transform_expression": #"{ "orderId": data.id }"#,
            ],
            [
                "destination_id": .string(large), "filter_rules": [["field": "payload.data.amount", "op": "gt", "value": 1000]],
                "transform_expression": #"{ "big": true, "amount": data.amount, "kind": type }"#,
            ],
        ] {
            #expect(try await api.post("/v1/topics/\(topic)/subscriptions", body).status == 201)
        }

        let small: JSON = ["type": "order.created", "data": ["id": "ord_1", "amount": 500]]
        let big: JSON = ["type": "order.updated", "data": ["id": "ord_2", "amount": 5000]]
        var eventIDs: [String] = []
        for body in [small, big] {
            let published = try await api.post("/v1/topics/orders/publish", body)
            #expect(published.status == 200, "\(published.text)")
            #expect(published.json["topic"] == "orders")
            #expect(published.json["received_at"]?.stringValue != nil)
            eventIDs.append(try #require(published.json["event_id"]?.stringValue))
        }
        let all = try await receivers[0].waitFor(count: 2)
        #expect(Set(all.map { try? JSON(parsing: $0.body) }) == [small, big])
        let createdOnly = try await receivers[1].waitFor(count: 1)
        #expect(try JSON(parsing: createdOnly[0].body) == ["orderId": "ord_1"])
        let largeOnly = try await receivers[2].waitFor(count: 1)
        #expect(try JSON(parsing: largeOnly[0].body) == ["big": true, "amount": 5000, "kind": "order.updated"])

        // Published events are ordinary events: listed by topic, with their deliveries.
        let listed = try await api.get("/v1/events?topic_id=\(topic)").json
        #expect(Set(listed["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == Set(eventIDs))
        #expect(listed["events"]?[0]?["topic_id"] == .string(topic))
        #expect(listed["events"]?[0]?["source_id"] == .null)
        let detail = try await api.get("/v1/events/\(eventIDs[1])").json
        #expect(detail["body"] == big)
        #expect(detail["headers"]?["x-api-key"] == nil)
        #expect(try await api.get("/v1/events?topic_id=src_0123456789abcdef0123456789abcdef").status == 400)

        // A retry routes through the topic's subscriptions again (the big event: two of them).
        let retried = try await api.post("/v1/events/\(eventIDs[1])/retry", [:])
        #expect(retried.json["retried"]?.arrayValue?.count == 2, "\(retried.text)")
        _ = try await receivers[2].waitFor(count: 2)

        // Unknown slug 404, not JSON 400, over --max-body-bytes 413; a topic ID also addresses it.
        #expect(try await api.post("/v1/topics/nope/publish", ["type": "x"]).status == 404)
        #expect(try await api.request("POST", "/v1/topics/orders/publish", body: Array("not json".utf8)).status == 400)
        #expect(try await api.request("POST", "/v1/topics/orders/publish", body: []).status == 400)
        let tooBig = try await api.post("/v1/topics/orders/publish", ["pad": .string(String(repeating: "x", count: 5000))])
        #expect(tooBig.status == 413)
        #expect(try await api.post("/v1/topics/\(topic)/publish", ["type": "by-id"]).status == 200)
        #expect(try await server.anonymous.post("/v1/topics/orders/publish", ["type": "x"]).status == 401)
    }

    /// A subscription's deliveries are a connection's in every respect: retried by the
    /// destination's policy, dead-lettered at the end, and an issue opens that names the
    /// subscription among the affected connections. A published event is found by search like
    /// any other.
    @Test func aFailingSubscriptionRetriesDeadLettersAndOpensAnIssue() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let api = server.client
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(500))
        let topic = try #require(try await api.post("/v1/topics", ["name": "Payments", "slug": "payments"]).json["id"]?.stringValue)
        let created = try await api.post(
            "/v1/destinations",
            ["name": "Ledger", "url": .string(receiver.url + "/ledger"), "retry_max_attempts": 3, "retry_backoff_type": "fixed", "retry_intervals": [0.2]])
        let destination = try #require(created.json["id"]?.stringValue, "\(created.text)")
        let subscribed = try await api.post("/v1/topics/\(topic)/subscriptions", ["destination_id": .string(destination)])
        let subscription = try #require(subscribed.json["subscription"]?["id"]?.stringValue, "\(subscribed.text)")

        let published = try await api.post("/v1/topics/payments/publish", ["type": "payment.failed", "data": ["reference": "inv-7731"]])
        let event = try #require(published.json["event_id"]?.stringValue, "\(published.text)")
        _ = try await receiver.waitFor(count: 3)
        let failed = try await api.eventually("/v1/events/\(event)") { $0["status"] == "failed" }
        let attempts = failed["delivery_attempts"]?.arrayValue ?? []
        #expect(attempts.map { $0["attempt_number"] } == [1, 2, 3])
        #expect(attempts.map { $0["is_dlq"] } == [0, 0, 1])
        #expect(attempts.allSatisfy { $0["connection_id"] == .string(subscription) }, "\(attempts)")
        #expect(try await api.get("/v1/delivery-attempts?is_dlq=1").json["pagination"]?["total"] == 1)
        #expect(receiver.requests.count == 3)

        let issues = try await api.eventually("/v1/issues?destination_id=\(destination)") { ($0["issues"]?.arrayValue?.count ?? 0) > 0 }
        let issueID = try #require(issues["issues"]?[0]?["id"]?.stringValue)
        #expect(issues["issues"]?[0]?["error_type"] == "http_5xx")
        let detail = try await api.get("/v1/issues/\(issueID)").json
        #expect(detail["affected"] == ["destination_ids": [.string(destination)], "source_ids": [], "connection_ids": [.string(subscription)]], "\(detail)")

        // Search: by a string of the body, or a prefix of the ID; another string finds nothing.
        let found = try await api.get("/v1/events?search=inv-7731").json
        #expect(found["events"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [event], "\(found)")
        #expect(try await api.get("/v1/events?search=\(event.prefix(20))").json["events"]?.arrayValue?.count == 1)
        #expect(try await api.get("/v1/events?search=inv-9999").json["events"] == [])
    }
}
