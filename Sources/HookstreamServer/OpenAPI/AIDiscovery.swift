import HookstreamCore
import JSONValue

/// The files AI tools look for at a site's root, rendered from this server's OpenAPI document
/// so they describe exactly the API this build serves:
///
/// - `/llms.txt` (the llms.txt convention): what hookstream is, how to authenticate, and every
///   operation in one line, grouped by resource;
/// - `/llms-full.txt`: every operation with its parameters, request fields and answers, and
///   the shape of each resource — the whole reference as one text file;
/// - `/hookstream.skills.md`: a Claude Code skill teaching the API's conventions;
/// - `/.well-known/ai-plugin.json`: the plugin manifest pointing at `/v1/openapi.json`.
///
/// The hosted documentation site's per-page markdown export has no counterpart: a self-hosted
/// server does not serve the docs site, and the repository's `docs/` pages are markdown already.
/// Links are relative to the server, which is where a tool fetched the file from.
enum AIDiscovery {
    static let summary =
        "hookstream is a self-hosted event gateway for webhooks: it receives webhooks at source URLs, verifies and stores them durably before answering, routes them through connections (content filters, JSONata transforms) and delivers them to HTTP endpoints, queues and streams with retries, a circuit breaker and a dead-letter queue."

    static let authentication = """
        Send an API key in the `X-API-Key` header (a signed-in browser session's cookie works too; WebSocket endpoints also take the key as the `token` query parameter). \
        Anyone may call the ingest URLs (`/v1/ingest/{source_id}`), test sessions and the agent API (`/v1/test/…`, `/v1/agent/…`), the tools API, `/v1/health` and `/v1/openapi.json`. \
        Every non-2xx answer carries `{"error": {"code", "message", …}}`; lists are paginated with `limit` and the `cursor` of the previous page (`has_more` says whether there is one).
        """

    struct Operation {
        var method: String
        var path: String
        var item: JSONObject
        var summary: String { item["summary"]?.stringValue ?? "" }
    }

    /// The document's operations grouped by resource (the path's first segment after `/v1/`),
    /// in document order.
    static func groups(_ document: JSON) -> [(name: String, operations: [Operation])] {
        var groups: OrderedDictionary<String, [Operation]> = [:]
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                guard let operation = operation.objectValue, operation["summary"] != nil else { continue }
                groups[resource(of: path), default: []].append(Operation(method: method.uppercased(), path: path, item: operation))
            }
        }
        return groups.map { ($0.key, $0.value) }
    }

    static func resource(of path: String) -> String {
        let segments = path.split(separator: "/")
        let name = segments.first == "v1" ? segments.dropFirst().first.map(String.init) ?? "System" : "System"
        if name.hasPrefix("{") || name == "health" || name == "openapi.json" { return "System" }
        let names = ["ws": "WebSockets", "test": "Test sessions", "agent": "Agent API", "tools": "Tools API"]
        return names[name] ?? name.replacingOccurrences(of: "-", with: " ").capitalized
    }

    // MARK: - llms.txt

    static func llmsText(_ document: JSON) -> String {
        var out = "# hookstream\n\n> \(summary)\n\n"
        out += "This file describes the hookstream server it was fetched from (version \(HookstreamVersion.current)); every path is relative to it.\n\n"
        out += "## Authentication\n\n\(authentication)\n\n"
        out += "## Reference\n\n"
        out += "- [Full API reference](/llms-full.txt): every operation with its parameters, request fields and answers\n"
        out += "- [OpenAPI 3.1 document](/v1/openapi.json): the machine-readable description\n"
        out += "- [Claude Code skill](/hookstream.skills.md): conventions for writing code against this API\n\n"
        for (name, operations) in groups(document) {
            out += "## \(name)\n\n"
            for operation in operations { out += "- `\(operation.method) \(operation.path)`: \(operation.summary)\n" }
            out += "\n"
        }
        return out
    }

    // MARK: - llms-full.txt

    static func llmsFullText(_ document: JSON) -> String {
        var out = "# hookstream API reference\n\n> \(summary)\n\n"
        out += "Version \(HookstreamVersion.current). Every path is relative to this server. The same description as OpenAPI 3.1: `/v1/openapi.json`.\n\n"
        out += "## Authentication\n\n\(authentication)\n\n"
        for (name, operations) in groups(document) {
            out += "## \(name)\n\n"
            for operation in operations { out += describe(operation, in: document) }
        }
        out += "## Resource shapes\n\n"
        for (name, schema) in document["components"]?["schemas"]?.objectValue ?? [:] {
            let fields = properties(of: schema, in: document)
            guard !fields.isEmpty else { continue }
            out += "### \(name)\n\n" + fields.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        }
        return out
    }

    static func describe(_ operation: Operation, in document: JSON) -> String {
        var out = "### \(operation.method) \(operation.path)\n\n\(operation.summary)\n"
        if let description = operation.item["description"]?.stringValue { out += "\n\(description)\n" }
        if operation.item["security"]?.arrayValue?.isEmpty == true { out += "\nNo authentication.\n" }
        let parameters = (operation.item["parameters"]?.arrayValue ?? []).compactMap { resolve($0, in: document).objectValue }
        if !parameters.isEmpty {
            out += "\nParameters:\n"
            for parameter in parameters {
                let name = parameter["name"]?.stringValue ?? "?"
                let place = parameter["in"]?.stringValue ?? "query"
                let required = parameter["required"]?.boolValue == true ? ", required" : ""
                let type = parameter["schema"].map { typeName(resolve($0, in: document), in: document) } ?? "string"
                let note = parameter["description"]?.stringValue.map { ": " + $0 } ?? ""
                out += "- `\(name)` (\(place), \(type)\(required))\(note)\n"
            }
        }
        if let body = operation.item["requestBody"]?["content"]?.objectValue?.values.first?["schema"] {
            let fields = properties(of: body, in: document)
            if !fields.isEmpty { out += "\nRequest body (JSON):\n" + fields.map { "- " + $0 + "\n" }.joined() }
        }
        let answers = (operation.item["responses"]?.objectValue ?? [:]).map { code, response in
            "- \(code): \(resolve(response, in: document)["description"]?.stringValue ?? "")\n"
        }
        if !answers.isEmpty { out += "\nAnswers:\n" + answers.joined() }
        return out + "\n"
    }

    /// `#/components/…` references followed (to a depth that no real document exceeds).
    static func resolve(_ value: JSON, in document: JSON, depth: Int = 0) -> JSON {
        guard depth < 8, let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
        var target: JSON? = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
        return target.map { resolve($0, in: document, depth: depth + 1) } ?? value
    }

    /// One line per field of an object schema (`allOf` parts merged): name, type, whether
    /// required, description.
    static func properties(of schema: JSON, in document: JSON) -> [String] {
        let schema = resolve(schema, in: document)
        var parts = [schema]
        parts += (schema["allOf"]?.arrayValue ?? []).map { resolve($0, in: document) }
        let required = Set(parts.flatMap { ($0["required"]?.arrayValue ?? []).compactMap(\.stringValue) })
        var lines: [String] = []
        for part in parts {
            for (name, field) in part["properties"]?.objectValue ?? [:] {
                let field = resolve(field, in: document)
                let note = field["description"]?.stringValue.map { ": " + $0 } ?? ""
                lines.append("`\(name)` (\(typeName(field, in: document))\(required.contains(name) ? ", required" : ""))\(note)")
            }
        }
        return lines
    }

    static func typeName(_ schema: JSON, in document: JSON) -> String {
        if let values = schema["enum"]?.arrayValue {
            return "one of " + values.map { $0.stringValue.map { "`\($0)`" } ?? String(decoding: $0.serializedBytes(), as: UTF8.self) }.joined(separator: ", ")
        }
        if let type = schema["type"]?.stringValue {
            if type == "array", let items = schema["items"] { return "array of " + typeName(resolve(items, in: document), in: document) }
            return type
        }
        if let types = schema["type"]?.arrayValue { return types.compactMap(\.stringValue).joined(separator: " or ") }
        if let options = schema["oneOf"]?.arrayValue ?? schema["anyOf"]?.arrayValue {
            // Each name once: a destination's `config` is one of several object schemas.
            var seen = Set<String>()
            return options.map { typeName(resolve($0, in: document), in: document) }.filter { seen.insert($0).inserted }.joined(separator: " or ")
        }
        return "object"
    }

    // MARK: - Skills file and plugin manifest

    static let skills = """
        ---
        name: hookstream
        description: Use when writing code or scripts against a hookstream webhook gateway — creating sources, connections and destinations, sending and inspecting events, replaying failures, test sessions.
        ---

        # Working with hookstream

        \(summary)

        ## Where and how to call it

        - The base URL is the server's address (the CLI reads it from `HOOKSTREAM_BASE_URL`, the key from `HOOKSTREAM_API_KEY`).
        - \(authentication)
        - The complete reference is `GET /llms-full.txt`; the OpenAPI document is `GET /v1/openapi.json`.

        ## The model

        - A **source** (`src_…`) is where webhooks arrive: `POST /v1/ingest/{source_id}` stores the request before answering, so a 2xx means the event is durable.
        - A **destination** (`dst_…`) is where events go (HTTP, queues, streams); a **connection** (`conn_…`) routes a source to a destination with an optional filter and JSONata transform.
        - Each event (`evt_…`) gets one delivery per matching connection; attempts are retried with backoff, then land in the dead-letter queue. Failures open **issues**.
        - **Test sessions** (`POST /v1/test/sessions`, no key) give a throwaway URL whose requests can be read back, answered as configured, and forwarded.

        ## Habits that keep integrations correct

        - Read `error.code` and `error.message` of a non-2xx answer; a 400 names the field to fix.
        - Page through lists with `cursor` until `has_more` is false; never assume one page is everything.
        - Treat deliveries as at-least-once: a receiver should deduplicate on the event id header it gets.
        - Prefer `hookstream <resource> <verb>` from the CLI for one-off tasks; it prints the same JSON with `--json`.
        """

    static func pluginManifest() -> JSON {
        [
            "schema_version": "v1",
            "name_for_human": "hookstream",
            "name_for_model": "hookstream",
            "description_for_human": "Receive, inspect, route and deliver webhooks.",
            "description_for_model": .string(summary + " Use the API to manage sources, connections and destinations, read events and deliveries, and create test sessions."),
            "auth": ["type": "service_http", "authorization_type": "custom", "custom_auth_header": "X-API-Key"],
            "api": ["type": "openapi", "url": "/v1/openapi.json"],
        ]
    }
}
