import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// Opaque cursors: base64 of `{"id": "<last id of the previous page>"}`. Clients must not
/// build them; we only promise that a cursor we returned continues the listing.
enum Cursor {
    static func encode(_ id: String) -> String {
        Data(JSON.object(["id": .string(id)]).serializedBytes()).base64EncodedString()
    }

    static func decode(_ cursor: String) throws -> String {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let value = try? JSON(parsing: [UInt8](data)),
            let id = value["id"]?.stringValue, id.count <= 80, IDPrefix.allCases.contains(where: { ResourceID.isWellFormed(id, $0) })
        else { throw APIError.badRequest("Invalid cursor") }
        return id
    }
}

/// `cursor` and `limit` of a list endpoint, validated.
struct Paging {
    var afterID: String?
    var limit: Int

    static let maximumLimit = 100

    init(_ query: Parameters, defaultLimit: Int) throws {
        if let cursor = query.get("cursor"), !cursor.isEmpty { afterID = try Cursor.decode(cursor) }
        if let text = query.get("limit") {
            guard let n = Int(text), (1...Self.maximumLimit).contains(n) else {
                throw APIError.badRequest("'limit' must be an integer between 1 and \(Self.maximumLimit)")
            }
            limit = n
        } else {
            limit = defaultLimit
        }
    }
}

extension Page {
    /// The list body most endpoints answer with: `{<key>: [...], "cursor", "has_more"}`.
    func listBody(_ key: String, render: (Item) -> JSON) -> JSON {
        [key: .array(items.map(render)), "cursor": nextCursor, "has_more": .bool(hasMore)]
    }

    /// The opaque cursor of the next page, or `null` on the last one.
    var nextCursor: JSON { nextAfterID.map { .string(Cursor.encode($0)) } ?? .null }
}

enum QueryValue {
    static func oneOf(_ query: Parameters, _ key: String, _ allowed: [String]) throws -> String? {
        guard let value = query.get(key) else { return nil }
        guard allowed.contains(value) else { throw APIError.badRequest("'\(key)' must be one of: \(allowed.joined(separator: ", "))") }
        return value
    }

    static func timestamp(_ query: Parameters, _ key: String) throws -> Int64? {
        guard let value = query.get(key) else { return nil }
        guard let date = Timestamp.parse(value) else { throw APIError.badRequest("'\(key)' must be an ISO 8601 date-time") }
        return Timestamp.millis(date)
    }

    /// An ID filter. An ID of the wrong shape simply matches nothing, like an unknown one.
    static func id(_ query: Parameters, _ key: String) throws -> String? {
        guard let value = query.get(key) else { return nil }
        guard value.count <= 80 else { throw APIError.badRequest("'\(key)' is not a valid ID") }
        return value
    }
}

/// `limit` and `offset` of the endpoints the spec pages by offset (delivery attempts, issues).
struct OffsetPaging {
    var limit: Int
    var offset: Int

    init(_ query: Parameters, defaultLimit: Int = 50) throws {
        limit = try Paging(query, defaultLimit: defaultLimit).limit
        offset = 0
        if let text = query.get("offset") {
            guard let n = Int(text), n >= 0, n <= 1_000_000 else { throw APIError.badRequest("'offset' must be an integer between 0 and 1000000") }
            offset = n
        }
    }
}

extension OffsetPage {
    /// `{<key>: [...], "pagination": {total, limit, offset, has_more}}`.
    func listBody(_ key: String, render: (Item) -> JSON) -> JSON {
        [
            key: .array(items.map(render)),
            "pagination": [
                "total": .number(Double(total)), "limit": .number(Double(limit)), "offset": .number(Double(offset)), "has_more": .bool(hasMore),
            ],
        ]
    }
}
