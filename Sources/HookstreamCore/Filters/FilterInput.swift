public import JSONValue

/// The parts of a received request that filter rules can look at.
///
/// Build one per event and evaluate every connection's rules against it.
///
/// ```swift
/// let input = FilterInput(
///     body: try? JSON(parsing: bodyBytes), headers: [("X-GitHub-Event", "push")],
///     method: "POST", contentType: "application/json", sourceIP: "203.0.113.7", query: [("env", "prod")])
/// ```
public struct FilterInput: Sendable {
    /// The parsed body, or `nil` when the body is empty or not JSON — then every `payload.`/`body.`
    /// path is missing.
    public var body: JSON?
    /// Request headers in arrival order; names are matched case-insensitively.
    public var headers: [(name: String, value: String)]
    /// The request method as received (compared exactly, so `"POST"`, not `"post"`).
    public var method: String
    /// The `Content-Type` header value as received, parameters included
    /// (`application/json; charset=utf-8`); `nil` when the request had none.
    public var contentType: String?
    /// The client address the event was recorded with.
    public var sourceIP: String?
    /// Query parameters in arrival order.
    public var query: [(name: String, value: String)]

    public init(
        body: JSON? = nil,
        headers: [(name: String, value: String)] = [],
        method: String = "POST",
        contentType: String? = nil,
        sourceIP: String? = nil,
        query: [(name: String, value: String)] = []
    ) {
        self.body = body
        self.headers = headers
        self.method = method
        self.contentType = contentType
        self.sourceIP = sourceIP
        self.query = query
    }
}

extension FilterInput {
    /// Builds the input from the request facts as an `Event` stores them: `headers` an object
    /// of strings (names already lower-cased, repeats joined), `query` an object whose repeated
    /// parameters are arrays of strings. Numbers and booleans among the values read as their
    /// JSON text; other values are skipped.
    public init(
        body: JSON?, headers: JSONObject, method: String, contentType: String?, sourceIP: String?, query: JSONObject
    ) {
        func text(_ value: JSON) -> String? {
            switch value {
            case .string(let s): s
            case .number(let n): JSNumberFormat.string(n)
            case .bool(let b): b ? "true" : "false"
            default: nil
            }
        }
        var queryPairs: [(name: String, value: String)] = []
        for (name, value) in query {
            if case .array(let values) = value {
                queryPairs += values.compactMap(text).map { (name, $0) }
            } else if let single = text(value) {
                queryPairs.append((name, single))
            }
        }
        self.init(
            body: body,
            headers: headers.compactMap { name, value in text(value).map { (name, $0) } },
            method: method, contentType: contentType, sourceIP: sourceIP, query: queryPairs)
    }
}

/// What a field path found in a ``FilterInput``.
enum FilterFieldValue: Hashable {
    /// A value from the JSON body, compared with JSON types (a body string `"5"` is not 5).
    case json(JSON)
    /// A request fact (header, query parameter, method, content type, source IP). These are
    /// always text on the wire, so numeric operators read them as numbers when they look like one.
    case text(String)
}

extension FilterInput {
    /// The value `path` addresses, or `nil` when it is missing.
    ///
    /// - A header sent several times reads as its values joined with `", "`, the combination
    ///   RFC 9110 §5.3 defines as equivalent.
    /// - A query parameter given several times reads as its first value.
    func value(at path: FilterPath) -> FilterFieldValue? {
        switch path {
        case .body(let components):
            guard var current = body else { return nil }
            for component in components {
                guard let next = current.child(component) else { return nil }
                current = next
            }
            return .json(current)
        case .header(let lowercasedName):
            let values = headers.filter { $0.name.lowercased() == lowercasedName }.map(\.value)
            return values.isEmpty ? nil : .text(values.joined(separator: ", "))
        case .query(let name):
            return query.first { $0.name == name }.map { .text($0.value) }
        case .method:
            return .text(method)
        case .contentType:
            return contentType.map(FilterFieldValue.text)
        case .sourceIP:
            return sourceIP.map(FilterFieldValue.text)
        }
    }
}

extension JSON {
    func child(_ component: FilterPath.Component) -> JSON? {
        switch (self, component) {
        case (.object(let members), .key(let name)):
            return members[name]
        case (.array, .key(let name)):
            // Only a canonical decimal ("0", "12") is an index; "+1" or "01" address nothing.
            guard let index = Int(name), index >= 0, String(index) == name else { return nil }
            return self[index]
        case (.array, .index(let index)):
            return self[index]
        default:
            return nil
        }
    }
}
