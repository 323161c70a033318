public import JSONValue

/// A collection's `primary_key_path` or `timestamp_path`: a dot path into the event body.
///
/// Written as filters write body paths (`body.data.id`, `payload.data.id`, `data.items[0].id`)
/// or bare, as the API reference's examples do (`data.id`): a path that does not start with
/// `body`/`payload` is read as if it did. Only the body is addressable: a record key must be
/// part of what the record stores.
public struct CollectionPath: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    let components: [FilterPath.Component]

    /// - Throws: ``CollectionPathError`` naming what is wrong (`..`, empty, the whole body).
    public init(parsing text: String, field: String) throws(CollectionPathError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw CollectionPathError(field: field, reason: "must not be empty") }
        guard trimmed == text else { throw CollectionPathError(field: field, reason: "must not start or end with spaces") }
        let prefixed = Self.hasBodyRoot(text) ? text : "body." + text
        let path: FilterPath
        do {
            path = try FilterPath(parsing: prefixed)
        } catch {
            throw CollectionPathError(field: field, reason: Self.reason(error))
        }
        guard case .body(let components) = path, !components.isEmpty else {
            throw CollectionPathError(field: field, reason: "must name a field inside the event body, such as \"data.id\"")
        }
        self.description = text
        self.components = components
    }

    /// The value at this path in `body`, or `nil` when the body does not have one.
    public func value(in body: JSON) -> JSON? {
        var current = body
        for component in components {
            guard let next = current.child(component) else { return nil }
            current = next
        }
        return current
    }

    private static func hasBodyRoot(_ text: String) -> Bool {
        for root in ["body", "payload"] where text.hasPrefix(root) {
            let rest = text.dropFirst(root.count)
            if rest.isEmpty || rest.first == "." || rest.first == "[" { return true }
        }
        return false
    }

    private static func reason(_ error: FilterRuleError.Reason) -> String {
        if case .invalidPath(_, let why) = error { return "is not a valid path: \(why)" }
        return "is not a valid path"
    }
}

/// An unusable collection path, worded for a 400: `'primary_key_path' is not a valid path: …`.
public struct CollectionPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public var description: String { "'\(field)' \(reason)" }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
