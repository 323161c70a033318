import JSONValue

/// The draft 4, 6 and 7 meta-schemas, built in.
///
/// They are carried by the library rather than supplied by callers because a gateway never
/// fetches anything: a user schema that says `"$ref": "http://json-schema.org/draft-07/schema#"`
/// (validating that a field holds a schema) must compile offline, and every deployment would
/// otherwise have to ship the same three files. They are small, immutable spec artifacts; the
/// text is the published documents unchanged, parsed once on first use.
enum MetaSchemas {
    /// Each meta-schema by its URI without the empty fragment, with the draft it is written in.
    static let documents: [(uri: String, draft: JSONSchema.Draft, schema: JSON)] = [
        ("http://json-schema.org/draft-04/schema", .draft4, parse(draft04Text)),
        ("http://json-schema.org/draft-06/schema", .draft6, parse(draft06Text)),
        ("http://json-schema.org/draft-07/schema", .draft7, parse(draft07Text)),
    ]

    /// The draft a `$schema` value names, or nil for a URI this library does not implement.
    static func draft(forSchemaURI uri: String) -> JSONSchema.Draft? {
        var key = uri
        if key.hasSuffix("#") { key.removeLast() }
        if key.hasPrefix("https://") { key = "http://" + key.dropFirst("https://".count) }
        return documents.first { $0.uri == key }?.draft
    }

    private static func parse(_ text: String) -> JSON {
        do {
            return try JSON(parsing: text)
        } catch {
            // The texts are constants of this module; a parse failure is a build defect.
            preconditionFailure("built-in meta-schema does not parse: \(error)")
        }
    }
}
