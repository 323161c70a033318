import Foundation
import HookstreamCore
import JSONValue

/// One line of an archive file: a JSON object holding one event, ended by `\n`.
///
/// ```json
/// {"format":1,"event":{"id":"evt_…","org_id":"org_…",…,"body_blob":null},
///  "body":"{\"a\":1}","body_encoding":"utf8","attempts":[{"id":"da_…",…}]}
/// ```
///
/// `event` and each of `attempts` hold every column of the row as stored (times in Unix
/// milliseconds, header maps as their JSON text). The body is inlined whatever its size — a
/// blob body is read from the blob store — as the exact bytes: a string when they are UTF-8,
/// otherwise base64 with `body_encoding: "base64"`; `null` when the row had no body.
public enum ArchiveLine {
    public static let format = 1

    /// The line for a record whose ``ArchiveRecord/body`` holds the bytes (blob bodies read).
    public static func encode(_ record: ArchiveRecord) -> [UInt8] {
        var object: JSONObject = ["format": .number(Double(format)), "event": .object(record.columns)]
        if let body = record.body {
            if let text = String(validating: body, as: UTF8.self) {
                object["body"] = .string(text)
                object["body_encoding"] = "utf8"
            } else {
                object["body"] = .string(Data(body).base64EncodedString())
                object["body_encoding"] = "base64"
            }
        } else {
            object["body"] = .null
            object["body_encoding"] = "utf8"
        }
        object["attempts"] = .array(record.attempts.map(JSON.object))
        var bytes = JSON.object(object).serializedBytes()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The record a line holds, body bytes included.
    /// - Throws: ``ArchiveFormatError`` for a line that is not an archived event.
    public static func decode(_ line: some Collection<UInt8>) throws -> ArchiveRecord {
        let value: JSON
        do {
            value = try JSON(parsing: Array(line))
        } catch {
            throw ArchiveFormatError("a line is not JSON: \(error)")
        }
        guard value["format"]?.numberValue == Double(format) else { throw ArchiveFormatError("unknown archive line format") }
        guard let columns = value["event"]?.objectValue, let id = columns["id"]?.stringValue, let org = columns["org_id"]?.stringValue,
            let env = columns["env_id"]?.stringValue, let receivedAt = columns["received_at"]?.numberValue,
            let bodySize = columns["body_size"]?.numberValue
        else { throw ArchiveFormatError("an archived event lacks its id, tenant, received_at or body_size") }
        var body: [UInt8]?
        switch (value["body"], value["body_encoding"]?.stringValue) {
        case (.string(let text)?, "utf8"?): body = Array(text.utf8)
        case (.string(let text)?, "base64"?):
            guard let data = Data(base64Encoded: text) else { throw ArchiveFormatError("event \(id): body is not base64") }
            body = [UInt8](data)
        case (.null?, _), (nil, _): body = nil
        default: throw ArchiveFormatError("event \(id): unknown body encoding")
        }
        guard let attempts = value["attempts"]?.arrayValue else { throw ArchiveFormatError("event \(id): no attempts array") }
        return ArchiveRecord(
            eventID: id, tenant: Tenant(organizationID: org, environmentID: env), receivedAt: Int64(receivedAt), bodySize: Int(bodySize),
            columns: columns, body: body, blobKey: columns["body_blob"]?.stringValue,
            attempts: try attempts.map { attempt in
                guard let object = attempt.objectValue else { throw ArchiveFormatError("event \(id): an attempt is not an object") }
                return object
            })
    }

    /// Splits decompressed bytes into lines (the last one must be ended).
    public static func lines(_ bytes: [UInt8]) throws -> [ArraySlice<UInt8>] {
        guard let last = bytes.last else { return [] }
        guard last == UInt8(ascii: "\n") else { throw ArchiveFormatError("the archive ends inside a line") }
        return bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }
}

/// An archive file that does not hold what hookstream writes.
public struct ArchiveFormatError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
