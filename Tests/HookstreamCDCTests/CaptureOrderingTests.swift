import Foundation
import HookstreamCore
import HookstreamTesting
import JSONValue
import Testing

/// Per-row order across retries, through the real `hookstream serve` and PostgreSQL: a
/// change whose delivery fails holds the later changes of its row until its retry succeeds,
/// while changes of other rows go on.
@Suite struct CaptureOrderingTests {
    typealias Fixture = DatabaseSourcesAPITests.Fixture

    @Test func aRowsLaterChangesWaitForItsFailedChangeWhileOtherRowsGoOn() async throws {
        let f = try await Fixture.make("order_retry")
        defer { f.stop() }
        _ = try await f.createSource(["tables": ["orders", "customers"]])
        let destination = try #require(try await f.api.get("/v1/destinations").json["destinations"]?.arrayValue?.first?["id"]?.stringValue)
        let patched = try await f.api.patch("/v1/destinations/\(destination)", ["retry_intervals": [20], "retry_max_attempts": 5])
        #expect(patched.status == 200, "\(patched.text)")
        // The first delivery (row 1's INSERT) fails; everything after succeeds. Its retry waits
        // 20 s, long enough for the other row's change to be captured first on a loaded
        // machine (with 2 s, and once with 10 s, a full run's load let the retry go first).
        f.receiver.reply([.status(500)])
        try await f.write(["INSERT INTO orders VALUES (1, 'a', 1)"])
        _ = try await f.received(1)
        try await f.write([
            "UPDATE orders SET status = 'b' WHERE id = 1", "INSERT INTO customers VALUES (7, 'x@example.com')",
            "UPDATE orders SET status = 'c' WHERE id = 1",
        ])
        let bodies = try await f.received(5)
        let labels = bodies.map { body -> String in
            body["source"]?["table"] == "customers" ? "customer" : body["after"]?["status"]?.stringValue ?? "?"
        }
        // Row 1 in commit order, its first change twice (failed, then retried); the other
        // row was not held behind it.
        #expect(labels.filter { $0 != "customer" } == ["a", "a", "b", "c"], "\(labels)")
        let customer = try #require(labels.firstIndex(of: "customer"))
        #expect(customer < 2, "another row's change is not held by row 1's retry: \(labels)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(f.receiver.requests.count == 5, "nothing delivered twice")
    }
}
