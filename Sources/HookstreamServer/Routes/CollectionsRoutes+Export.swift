import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue
import NIOCore

/// `GET /v1/collections/:id/export?format=json|ndjson|csv`: every record, streamed.
///
/// Memory stays bounded whatever the collection's size: the records come from the store in
/// pages of ``exportPageSize`` and each page is written (and the write awaited, so a slow
/// client slows the reading rather than filling memory) before the next is read. CSV needs
/// its header — the union of all columns — before the first row, so it reads the records twice
/// from the same consistent read; only the column names are kept between the passes.
extension CollectionsRoutes {
    static let exportPageSize = 500
    static let exportFormats = ["json", "ndjson", "csv"]

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        // `json` is the reference's name for NDJSON (and the default); `ndjson` says what it is.
        let format = try QueryValue.oneOf(request.uri.queryParameters, "format", Self.exportFormats) ?? "json"
        let collection = try await owned(context)
        guard let reader = try await deps.store.openCollectionExport(collectionID: collection.id, tenant: collection.tenant) else {
            throw APIError.notFound("Collection")
        }
        let csv = format == "csv"
        var headers: HTTPFields = [
            .contentType: csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
            .contentDisposition: "attachment; filename=\"\(collection.slug).\(csv ? "csv" : "ndjson")\"",
        ]
        headers[.cacheControl] = "no-store"
        if csv {
            // The first pass runs before the answer starts, so a table too wide is still a 400.
            let columns = try await Self.csvColumns(reader)
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: columns.header))
                try await Self.eachPage(reader) { records in
                    var text = ""
                    for record in records { text += columns.line(key: record.key, data: Self.parsed(record)) }
                    try await writer.write(ByteBuffer(string: text))
                }
                try await writer.finish(nil)
            })
        }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await Self.eachPage(reader) { records in
                var bytes: [UInt8] = []
                for record in records {
                    bytes += Self.exportLine(record)
                    bytes.append(UInt8(ascii: "\n"))
                }
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        })
    }

    /// An NDJSON line: the reference's `primary_key` and `data` (the stored bytes, so large
    /// integers keep their digits), and when the record's version was made and synced.
    static func exportLine(_ r: CollectionRecord) -> [UInt8] {
        var w = JSONObjectWriter()
        w.member("primary_key", .string(r.key))
        w.member("data", rawJSON: Array(r.data.utf8))
        w.member("event_id", .string(r.eventID))
        w.member("source_event_at", .string(Timestamp.iso(millis: r.sourceEventAt)))
        w.member("synced_at", .string(Timestamp.iso(millis: r.syncedAt)))
        return w.finished()
    }

    private static func csvColumns(_ reader: any CollectionExportReader) async throws -> RecordCSVColumns {
        var columns = RecordCSVColumns()
        try await eachPage(reader) { records in
            for record in records where !columns.add(parsed(record)) {
                throw APIError.badRequest(
                    "The records have more than \(RecordCSVColumns.maximum) distinct fields, too many for a CSV table; export them as json")
            }
        }
        return columns
    }

    private static func eachPage(_ reader: any CollectionExportReader, _ body: ([CollectionRecord]) async throws -> Void) async throws {
        var after: String?
        while true {
            let records = try await reader.records(afterID: after, limit: exportPageSize)
            if !records.isEmpty { try await body(records) }
            guard records.count == exportPageSize, let last = records.last else { return }
            after = last.id
        }
    }

    /// Stored data was parsed when it was synced; should a record no longer parse, its row
    /// still carries its key.
    private static func parsed(_ record: CollectionRecord) -> JSON {
        (try? JSON(parsing: record.data)) ?? .object([:])
    }
}
