import Foundation
import HookstreamStore
import Testing

/// A store implementation the conformance suite runs against. Each test gets a fresh, empty
/// store from `make`. A PostgreSQL backend joins by adding an entry to ``all`` (with a factory
/// that creates a fresh schema); every conformance test then runs on it too.
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
        return try (0..<count).map { _ in try SQLiteStore(path: directory + "/store.sqlite") }
    }

    static let all: [StoreBackend] = [.sqlite]
}
