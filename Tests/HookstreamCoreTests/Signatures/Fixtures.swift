import Foundation
import HookstreamCore
import JSONValue

/// Loads the signature vectors copied into `Tests/HookstreamCoreTests/Fixtures`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func json(_ relativePath: String) throws -> JSON {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return try JSON(parsing: data)
    }

    /// A vector's headers as a request header list.
    static func headers(_ json: JSON?) -> [(name: String, value: String)] {
        (json?.objectValue ?? [:]).map { ($0.key, $0.value.stringValue ?? "") }
    }

    static func date(_ json: JSON?) -> Date {
        Date(timeIntervalSince1970: json?.numberValue ?? 0)
    }
}
