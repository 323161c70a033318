import JSONValue

/// Turns schema documents into a `SchemaProgram`.
///
/// Identification works on documents: the user's schema, each `Options.remoteSchemas` entry and
/// the built-in meta-schemas. A document is walked (lazily for all but the user's) to learn the
/// base URI of every subschema and the URIs its `$id`s (`id` in draft 4) declare; a `$ref` is
/// then resolved against its base URI to a location (document, JSON Pointer). Each location is
/// compiled once and gets a node index before its children are compiled, which is what lets
/// recursive schemas compile without looping.
struct SchemaCompiler {
    struct Location: Hashable {
        var document: Int
        var pointer: [String]

        func appending(_ tokens: [String]) -> Location {
            Location(document: document, pointer: pointer + tokens)
        }
    }

    struct Document {
        var json: JSON
        var draft: JSONSchema.Draft
        var retrievalURI: String
        var walked = false
    }

    let options: JSONSchema.Options
    var documents: [Document] = []
    /// Absolute URIs (resources without fragment, plain-name anchors with it) → location.
    var identifiers: [String: Location] = [:]
    /// The base URI in effect at every subschema the walks visited.
    var baseURIs: [Location: String] = [:]
    var nodes: [SchemaNode?] = []
    var nodeIndex: [Location: Int] = [:]
    var nodeLocations: [Location] = []

    static func compile(root: JSON, options: JSONSchema.Options) throws(JSONSchemaError) -> SchemaProgram {
        var compiler = SchemaCompiler(options: options)
        let rootDraft = declaredDraft(of: root) ?? options.defaultDraft
        // The first document to claim a URI keeps it: the user's schema, then the remote
        // documents, then the built-in meta-schemas.
        compiler.addDocument(root, draft: rootDraft, uri: "")
        try compiler.walk(document: 0)
        for (uri, schema) in options.remoteSchemas.sorted(by: { $0.key < $1.key }) {
            compiler.addDocument(schema, draft: declaredDraft(of: schema) ?? options.defaultDraft, uri: uri)
        }
        for meta in MetaSchemas.documents where compiler.identifiers[meta.uri] == nil {
            compiler.addDocument(meta.schema, draft: meta.draft, uri: meta.uri)
        }
        let rootIndex = try compiler.compile(Location(document: 0, pointer: []))
        let nodes = compiler.nodes.map { $0 ?? .always }
        try LoopCheck.rejectLoops(nodes) { compiler.errorPath(compiler.nodeLocations[$0]) }
        return SchemaProgram(nodes: nodes, root: rootIndex)
    }

    private static func declaredDraft(of schema: JSON) -> JSONSchema.Draft? {
        guard case .string(let uri) = schema["$schema"] else { return nil }
        return MetaSchemas.draft(forSchemaURI: uri)
    }

    private mutating func addDocument(_ json: JSON, draft: JSONSchema.Draft, uri: String) {
        let key = URIReference(uri).withoutFragment.text
        identifiers[key] = identifiers[key] ?? Location(document: documents.count, pointer: [])
        documents.append(Document(json: json, draft: draft, retrievalURI: key))
    }

    /// Where an error is in the schemas: a JSON Pointer for the user's document, the document's
    /// URI and a pointer fragment for a remote one.
    func errorPath(_ location: Location, _ tokens: [String] = []) -> String {
        let pointer = JSONPointer.string(location.pointer + tokens)
        return location.document == 0 ? pointer : documents[location.document].retrievalURI + "#" + pointer
    }

    // MARK: - Identification

    private mutating func walk(document: Int) throws(JSONSchemaError) {
        guard !documents[document].walked else { return }
        documents[document].walked = true
        let doc = documents[document]
        try walk(doc.json, at: Location(document: document, pointer: []), base: doc.retrievalURI, draft: doc.draft)
    }

    private mutating func walk(_ schema: JSON, at location: Location, base: String, draft: JSONSchema.Draft)
        throws(JSONSchemaError)
    {
        guard case .object(let object) = schema else {
            baseURIs[location] = base
            return
        }
        var base = base
        // In drafts 4–7 every sibling of `$ref` is ignored, `$id` included.
        if object["$ref"] == nil, let idValue = object[draft.idKeyword] {
            guard case .string(let id) = idValue else {
                throw JSONSchemaError(
                    message: "\(draft.idKeyword) must be a string", path: errorPath(location, [draft.idKeyword]))
            }
            let resolved = URIReference(base).resolving(URIReference(id))
            let resource = resolved.withoutFragment.text
            if let fragment = resolved.fragment, !fragment.isEmpty {
                identifiers[resolved.text] = identifiers[resolved.text] ?? location
            }
            if !id.hasPrefix("#") {
                identifiers[resource] = identifiers[resource] ?? location
                base = resource
            }
        }
        baseURIs[location] = base
        for (tokens, child) in Self.subschemas(of: object, draft: draft) {
            try walk(child, at: location.appending(tokens), base: base, draft: draft)
        }
    }

    /// The subschemas of `object` by their relative pointer tokens, for the keywords `draft` knows.
    static func subschemas(of object: JSONObject, draft: JSONSchema.Draft) -> [([String], JSON)] {
        var result: [([String], JSON)] = []
        var single = ["additionalItems", "additionalProperties", "not"]
        var arrays = ["allOf", "anyOf", "oneOf"]
        // Array-valued dependencies are property lists, not schemas; skipped below.
        let maps = ["definitions", "properties", "patternProperties", "dependencies"]
        if draft != .draft4 { single += ["contains", "propertyNames"] }
        if draft == .draft7 { single += ["if", "then", "else"] }
        for key in single {
            if let value = object[key] { result.append(([key], value)) }
        }
        if let items = object["items"] {
            if case .array = items { arrays.append("items") } else { result.append((["items"], items)) }
        }
        for key in arrays {
            guard case .array(let list)? = object[key] else { continue }
            for (i, value) in list.enumerated() { result.append(([key, String(i)], value)) }
        }
        for key in maps {
            guard case .object(let members)? = object[key] else { continue }
            for (name, value) in members where key != "dependencies" || value.arrayValue == nil {
                result.append(([key, name], value))
            }
        }
        return result
    }

    // MARK: - References

    /// The location `reference` names when written where `base` is the base URI.
    mutating func resolve(reference: String, base: String, at location: Location) throws(JSONSchemaError) -> Location {
        let target = URIReference(base).resolving(URIReference(reference))
        let fragment = target.fragment ?? ""
        let failure = JSONSchemaError(
            message: "$ref '\(reference)' cannot be resolved", path: errorPath(location, ["$ref"]))
        if fragment.isEmpty || fragment.hasPrefix("/") {
            guard let resource = try lookUp(target.withoutFragment.text),
                let tokens = JSONPointer.tokens(fragment.percentDecoded)
            else { throw failure }
            let location = resource.appending(tokens)
            guard JSONPointer.resolve(location.pointer, in: documents[location.document].json) != nil else {
                throw failure
            }
            return location
        }
        guard let anchor = try lookUp(target.text) else { throw failure }
        return anchor
    }

    /// Looks `uri` up, walking the documents not walked yet when it is not known so far.
    private mutating func lookUp(_ uri: String) throws(JSONSchemaError) -> Location? {
        if let location = identifiers[uri] {
            try walk(document: location.document)
            return identifiers[uri]
        }
        for document in documents.indices where !documents[document].walked {
            try walk(document: document)
        }
        return identifiers[uri]
    }

    /// The base URI at `location`; a pointer may reach a place no walk visited (inside an
    /// unknown keyword), which takes the base of its nearest visited ancestor.
    private func baseURI(at location: Location) -> String {
        var probe = location
        while true {
            if let base = baseURIs[probe] { return base }
            if probe.pointer.isEmpty { return documents[location.document].retrievalURI }
            probe.pointer.removeLast()
        }
    }

    // MARK: - Nodes

    mutating func compile(_ location: Location) throws(JSONSchemaError) -> Int {
        if let index = nodeIndex[location] { return index }
        try walk(document: location.document)
        let index = nodes.count
        nodes.append(nil)
        nodeLocations.append(location)
        nodeIndex[location] = index
        guard let schema = JSONPointer.resolve(location.pointer, in: documents[location.document].json) else {
            throw JSONSchemaError(message: "no schema at this location", path: errorPath(location))
        }
        let context = KeywordContext(
            location: location, base: baseURI(at: location), draft: documents[location.document].draft,
            documentPrefix: location.document == 0 ? "" : documents[location.document].retrievalURI + "#")
        nodes[index] = try compileNode(schema, context)
        return index
    }

    private mutating func compileNode(_ schema: JSON, _ context: KeywordContext) throws(JSONSchemaError) -> SchemaNode {
        switch schema {
        case .bool(let value):
            // Draft 4 allows booleans only as additionalProperties/additionalItems.
            if context.draft == .draft4,
                !["additionalProperties", "additionalItems"].contains(context.location.pointer.last ?? "")
            {
                throw JSONSchemaError(
                    message: "a schema must be an object in draft 4 (boolean schemas need draft 6 or later)",
                    path: errorPath(context.location))
            }
            return value ? .always : .never
        case .object(let object):
            if let refValue = object["$ref"] {
                guard case .string(let reference) = refValue else {
                    throw context.error("$ref", "must be a string")
                }
                let target = try resolve(reference: reference, base: context.base, at: context.location)
                // The siblings are never applied, but the meta-schema still constrains them, so
                // they are compiled for their checks and dropped.
                _ = try compileKeywords(object, context)
                return .keywords([.ref(try compile(target))])
            }
            return .keywords(try compileKeywords(object, context))
        default:
            throw JSONSchemaError(
                message: "a schema must be an object or a boolean, not \(schema.typeName)",
                path: errorPath(context.location))
        }
    }
}

/// Where a keyword is being compiled: for child locations and error paths.
struct KeywordContext {
    var location: SchemaCompiler.Location
    var base: String
    var draft: JSONSchema.Draft
    /// Empty for the user's document; `uri#` for a remote one, before the pointer.
    var documentPrefix: String

    func child(_ tokens: String...) -> SchemaCompiler.Location { location.appending(tokens) }

    func error(_ keyword: String, _ message: String) -> JSONSchemaError {
        JSONSchemaError(message: "\(keyword) \(message)", path: documentPrefix + JSONPointer.string(location.pointer + [keyword]))
    }
}

extension JSONSchema.Draft {
    var idKeyword: String { self == .draft4 ? "id" : "$id" }
}
