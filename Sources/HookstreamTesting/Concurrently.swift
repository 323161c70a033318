/// Runs `body` on every item with at most `width` calls in flight, and returns the results in
/// completion order.
///
/// For tests that send many concurrent requests: the shared HTTP client keeps a few
/// connections per server and queues the rest, and a request's deadline includes its wait in
/// that queue — with hundreds sent at once, a loaded machine timed requests out while the
/// server was fine. Keeping the number in flight near the connection count keeps requests
/// concurrent at the server while each deadline measures its own request.
public func concurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], width: Int = 16, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: Result.self) { group in
        var pending = items.makeIterator()
        for _ in 0..<width {
            guard let item = pending.next() else { break }
            group.addTask { try await body(item) }
        }
        var results: [Result] = []
        results.reserveCapacity(items.count)
        while let result = try await group.next() {
            results.append(result)
            if let item = pending.next() { group.addTask { try await body(item) } }
        }
        return results
    }
}
