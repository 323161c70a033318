import Foundation
import HookstreamStore
import Testing

/// A store implementation the conformance suite runs against. Each test gets a fresh, empty
/// store from `make`. A PostgreSQL backend joins by adding an entry to ``all`` (with a factory
/// that creates a fresh schema); every conformance test then runs on it too.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () async throws -> any Store

    var testDescription: String { name }

    static let sqlite = StoreBackend(name: "SQLite") {
        let directory = NSTemporaryDirectory() + "hookstream-store-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory + "/store.sqlite")
    }

    static let all: [StoreBackend] = [.sqlite]
}
