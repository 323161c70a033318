import Foundation
import HookstreamStore
import HookstreamTesting
import Logging
import Testing

/// A store implementation the conformance suite runs against. Each test gets a fresh, empty
/// store from `make`; every conformance test runs on every entry of ``all``.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    var name: String
    /// `count` stores opened on one fresh, empty database, as that many server nodes sharing it
    /// would open it.
    var makeNodes: @Sendable (_ count: Int) async throws -> [any Store]

    var testDescription: String { name }

    /// A fresh, empty store.
    func make() async throws -> any Store { try await makeNodes(1)[0] }

    static let sqlite = StoreBackend(name: "SQLite") { count in
        let directory = NSTemporaryDirectory() + "hookstream-store-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try (0..<count).map { _ in try SQLStore(path: directory + "/store.sqlite") }
    }

    /// A new database on the PostgreSQL test server (`scripts/with-services postgres`); the
    /// test fails, never skips, without it.
    static let postgres = StoreBackend(name: "PostgreSQL") { count in
        let uri = try await TestStore.createMigratedDatabase("store")
        var nodes: [any Store] = []
        for _ in 0..<count { nodes.append(try await SQLStore.postgres(uri, connections: 4, logger: TestPostgres.logger)) }
        return nodes
    }

    static let all: [StoreBackend] = [.sqlite, .postgres]
}
