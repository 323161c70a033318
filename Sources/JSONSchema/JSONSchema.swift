public import JSONValue

/// A compiled JSON Schema (drafts 4, 6 and 7) that validates instances.
///
/// Compilation resolves every `$ref`, checks each keyword's value structurally and compiles the
/// regular expressions once, so `validate` does no parsing or lookup work per instance. The value
/// is immutable and `Sendable`: compile once, then validate from any number of threads.
///
/// ```swift
/// let schema = try JSONSchema(["type": "object", "required": ["id"]])
/// schema.validate(["name": "x"])   // [ValidationError(path: "", message: "missing required property 'id'")]
/// ```
///
/// Error paths are JSON Pointers (RFC 6901) into the instance; the root is `""`.
///
/// Scope and choices:
/// - The draft is the one the root's `$schema` names (draft 4, 6 or 7, `http` or `https`, with
///   or without `#`); any other `$schema` (2019-09, 2020-12, …) gets `Options.defaultDraft`.
/// - `$ref` siblings are ignored, as drafts 4–7 say; refs resolve against `$id`/`id` base URIs,
///   `Options.remoteSchemas` and the built-in meta-schemas, never the network.
/// - Patterns are ECMA-262 (see `ECMARegex` for the translation and its limits); a match that
///   backtracks without end is abandoned and reported as an error.
/// - `contentMediaType`/`contentEncoding` are annotations (draft 7 makes asserting them optional).
/// - Numbers are doubles, so draft 4 cannot tell `1.0` from `1`, and integers beyond 2^53 lose
///   precision.
/// - A schema is refused exactly when its draft's meta-schema would reject it, plus unresolvable
///   refs, invalid patterns and reference cycles.
public struct JSONSchema: Sendable {
    let program: SchemaProgram

    /// Compiles `schema`.
    ///
    /// - Parameters:
    ///   - schema: the schema document (an object, or a boolean from draft 6 on).
    ///   - options: the draft used when the schema has no recognised `$schema`, whether `format`
    ///     asserts, and the documents remote `$ref`s may point to (never fetched).
    /// - Throws: `JSONSchemaError` when a keyword has a value of the wrong shape, a `pattern` is
    ///   not a valid regular expression, a `$ref` cannot be resolved, or references loop without
    ///   ever reaching a keyword.
    public init(_ schema: JSON, options: JSONSchema.Options = .init()) throws {
        program = try SchemaCompiler.compile(root: schema, options: options)
    }

    /// Every way `instance` fails the schema; empty when it is valid.
    public func validate(_ instance: JSON) -> [JSONSchema.ValidationError] {
        var evaluator = Evaluator(program: program, collecting: true)
        _ = evaluator.check(program.root, instance)
        return evaluator.errors
    }

    /// Whether `instance` is valid; stops at the first failure.
    public func isValid(_ instance: JSON) -> Bool {
        var evaluator = Evaluator(program: program, collecting: false)
        return evaluator.check(program.root, instance)
    }
}

extension JSONSchema {
    /// How a schema is compiled and applied.
    public struct Options: Sendable {
        /// The draft for a schema without a recognised `$schema` URI.
        public var defaultDraft: Draft = .draft7
        /// Whether `format` rejects non-conforming strings. The specs make it an annotation by
        /// default, so this is off.
        public var formatAssertion = false
        /// Documents that `$ref` may reach, by absolute URI. Nothing is fetched from the network.
        /// The draft 4, 6 and 7 meta-schemas are built in and need not be listed.
        public var remoteSchemas: [String: JSON] = [:]

        public init(defaultDraft: Draft = .draft7, formatAssertion: Bool = false, remoteSchemas: [String: JSON] = [:]) {
            self.defaultDraft = defaultDraft
            self.formatAssertion = formatAssertion
            self.remoteSchemas = remoteSchemas
        }
    }

    /// A JSON Schema specification version.
    public enum Draft: Sendable, Hashable, CaseIterable {
        case draft4, draft6, draft7
    }

    /// One failure: where in the instance, and what is wrong, in words for a human.
    public struct ValidationError: Sendable, Equatable, Codable, CustomStringConvertible {
        /// A JSON Pointer into the instance (`""` is the instance itself).
        public var path: String
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }
}

/// A schema that cannot be compiled.
public struct JSONSchemaError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// A JSON Pointer to the offending keyword inside the schema document, when known.
    public var path: String?

    public init(message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }

    public var description: String {
        guard let path else { return "invalid schema: \(message)" }
        return "invalid schema at '\(path)': \(message)"
    }
}
