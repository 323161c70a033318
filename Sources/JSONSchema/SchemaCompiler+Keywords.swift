import JSONValue

/// Compilation of each validation keyword, with the structural checks the draft's meta-schema
/// states for its value (so a schema that the meta-schema would reject is refused here, with a
/// message naming the keyword). Keywords a draft does not define are ignored, as the specs say.
extension SchemaCompiler {
    mutating func compileKeywords(_ object: JSONObject, _ c: KeywordContext) throws(JSONSchemaError) -> [Keyword] {
        try checkAnnotations(object, c)
        var keywords: [Keyword] = []
        let draft = c.draft

        if let value = object["type"] { keywords.append(.type(try typeSet(value, c))) }
        if let value = object["enum"] {
            guard case .array(let options) = value else { throw c.error("enum", "must be an array") }
            if draft == .draft4 {
                if options.isEmpty { throw c.error("enum", "must not be empty") }
                if Set(options.map { ExactJSON(value: $0) }).count != options.count { throw c.error("enum", "must not contain duplicates") }
            }
            keywords.append(.enumeration(options))
        }
        if draft != .draft4, let value = object["const"] { keywords.append(.constant(value)) }

        try compileNumeric(object, c, into: &keywords)
        try compileString(object, c, into: &keywords)
        try compileArray(object, c, into: &keywords)
        try compileObject(object, c, into: &keywords)

        for key in ["allOf", "anyOf", "oneOf"] {
            guard let value = object[key] else { continue }
            let schemas = try schemaArray(value, key, c)
            keywords.append(key == "allOf" ? .allOf(schemas) : key == "anyOf" ? .anyOf(schemas) : .oneOf(schemas))
        }
        if object["not"] != nil { keywords.append(.not(try compile(c.child("not")))) }
        if draft == .draft7 {
            let then = object["then"] == nil ? nil : try compile(c.child("then"))
            let otherwise = object["else"] == nil ? nil : try compile(c.child("else"))
            if object["if"] != nil {
                let condition = try compile(c.child("if"))
                if then != nil || otherwise != nil {
                    keywords.append(.conditional(if: condition, then: then, else: otherwise))
                }
            }
        }
        if let value = object["definitions"] {
            // Never applied, but compiled so that an invalid definition is reported when saved.
            guard case .object(let members) = value else { throw c.error("definitions", "must be an object") }
            for name in members.keys { _ = try compile(c.child("definitions", name)) }
        }
        return keywords
    }

    private func checkAnnotations(_ object: JSONObject, _ c: KeywordContext) throws(JSONSchemaError) {
        var strings = ["$schema", "title", "description"]
        if c.draft == .draft7 { strings += ["$comment", "contentMediaType", "contentEncoding"] }
        for key in strings {
            if let value = object[key], value.stringValue == nil { throw c.error(key, "must be a string") }
        }
        if c.draft != .draft4, let value = object["examples"], value.arrayValue == nil {
            throw c.error("examples", "must be an array")
        }
        if c.draft == .draft7 {
            for key in ["readOnly", "writeOnly"] {
                if let value = object[key], value.boolValue == nil { throw c.error(key, "must be a boolean") }
            }
        }
    }

    private func typeSet(_ value: JSON, _ c: KeywordContext) throws(JSONSchemaError) -> TypeSet {
        func named(_ name: JSON) throws(JSONSchemaError) -> TypeSet {
            guard case .string(let text) = name else { throw c.error("type", "must be a string or an array of strings") }
            guard let type = TypeSet.names.first(where: { $0.0 == text })?.1 else {
                throw c.error("type", "has unknown type '\(text)' (expected one of null, boolean, object, array, number, string, integer)")
            }
            return type
        }
        guard case .array(let list) = value else { return try named(value) }
        if list.isEmpty { throw c.error("type", "must not be an empty array") }
        var set: TypeSet = []
        for name in list {
            let type = try named(name)
            if set.contains(type) { throw c.error("type", "must not list a type twice") }
            set.insert(type)
        }
        return set
    }

    private func compileNumeric(_ object: JSONObject, _ c: KeywordContext, into keywords: inout [Keyword])
        throws(JSONSchemaError)
    {
        func number(_ key: String) throws(JSONSchemaError) -> Double? {
            guard let value = object[key] else { return nil }
            guard case .number(let n) = value else { throw c.error(key, "must be a number") }
            return n
        }
        if let divisor = try number("multipleOf") {
            guard divisor > 0 else { throw c.error("multipleOf", "must be greater than 0") }
            keywords.append(.multipleOf(divisor))
        }
        if c.draft == .draft4 {
            for (bound, flag) in [("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")] {
                guard let value = object[flag] else { continue }
                guard value.boolValue != nil else { throw c.error(flag, "must be a boolean in draft 4") }
                guard object[bound] != nil else { throw c.error(flag, "requires \(bound) to be present") }
            }
            if let maximum = try number("maximum") {
                keywords.append(.maximum(maximum, exclusive: object["exclusiveMaximum"]?.boolValue ?? false))
            }
            if let minimum = try number("minimum") {
                keywords.append(.minimum(minimum, exclusive: object["exclusiveMinimum"]?.boolValue ?? false))
            }
        } else {
            if let maximum = try number("maximum") { keywords.append(.maximum(maximum, exclusive: false)) }
            if let maximum = try number("exclusiveMaximum") { keywords.append(.maximum(maximum, exclusive: true)) }
            if let minimum = try number("minimum") { keywords.append(.minimum(minimum, exclusive: false)) }
            if let minimum = try number("exclusiveMinimum") { keywords.append(.minimum(minimum, exclusive: true)) }
        }
    }

    private func compileString(_ object: JSONObject, _ c: KeywordContext, into keywords: inout [Keyword])
        throws(JSONSchemaError)
    {
        if let value = object["maxLength"] { keywords.append(.maxLength(try count(value, "maxLength", c))) }
        if let value = object["minLength"] { keywords.append(.minLength(try count(value, "minLength", c))) }
        if let value = object["pattern"] {
            guard case .string(let source) = value else { throw c.error("pattern", "must be a string") }
            keywords.append(.pattern(try regex(source, "pattern", c)))
        }
        if let value = object["format"] {
            guard case .string(let name) = value else { throw c.error("format", "must be a string") }
            if options.formatAssertion, let format = StringFormat(rawValue: name) {
                keywords.append(.format(format))
            }
        }
    }

    private mutating func compileArray(_ object: JSONObject, _ c: KeywordContext, into keywords: inout [Keyword])
        throws(JSONSchemaError)
    {
        let additional = object["additionalItems"] == nil ? nil : try compile(c.child("additionalItems"))
        if let items = object["items"] {
            if case .array = items {
                keywords.append(.tupleItems(try schemaArray(items, "items", c), additional: additional))
            } else {
                keywords.append(.items(try compile(c.child("items"))))
            }
        }
        if let value = object["maxItems"] { keywords.append(.maxItems(try count(value, "maxItems", c))) }
        if let value = object["minItems"] { keywords.append(.minItems(try count(value, "minItems", c))) }
        if let value = object["uniqueItems"] {
            guard case .bool(let unique) = value else { throw c.error("uniqueItems", "must be a boolean") }
            if unique { keywords.append(.uniqueItems) }
        }
        if c.draft != .draft4, object["contains"] != nil {
            keywords.append(.contains(try compile(c.child("contains"))))
        }
    }

    private mutating func compileObject(_ object: JSONObject, _ c: KeywordContext, into keywords: inout [Keyword])
        throws(JSONSchemaError)
    {
        if let value = object["maxProperties"] { keywords.append(.maxProperties(try count(value, "maxProperties", c))) }
        if let value = object["minProperties"] { keywords.append(.minProperties(try count(value, "minProperties", c))) }
        if let value = object["required"] {
            let names = try stringArray(value, "required", c)
            if !names.isEmpty { keywords.append(.required(names)) }
        }

        var applicator = PropertyApplicator(named: [:], ordered: [], patterns: [], additional: nil)
        if let value = object["properties"] {
            guard case .object(let members) = value else { throw c.error("properties", "must be an object") }
            for name in members.keys {
                let schema = try compile(c.child("properties", name))
                applicator.named[name] = schema
                applicator.ordered.append((name, schema))
            }
        }
        if let value = object["patternProperties"] {
            guard case .object(let members) = value else { throw c.error("patternProperties", "must be an object") }
            for source in members.keys {
                let compiled = try regex(source, "patternProperties", c)
                applicator.patterns.append((compiled, try compile(c.child("patternProperties", source))))
            }
        }
        if object["additionalProperties"] != nil {
            applicator.additional = try compile(c.child("additionalProperties"))
        }
        if !applicator.named.isEmpty || !applicator.patterns.isEmpty || applicator.additional != nil {
            keywords.append(.properties(applicator))
        }

        if let value = object["dependencies"] {
            guard case .object(let members) = value else { throw c.error("dependencies", "must be an object") }
            var names: [(name: String, required: [String])] = []
            var schemas: [(name: String, schema: Int)] = []
            for (name, dependency) in members {
                if case .array = dependency {
                    names.append((name, try stringArray(dependency, "dependencies", c)))
                } else {
                    schemas.append((name, try compile(c.child("dependencies", name))))
                }
            }
            if !names.isEmpty { keywords.append(.propertyDependencies(names)) }
            if !schemas.isEmpty { keywords.append(.schemaDependencies(schemas)) }
        }
        if c.draft != .draft4, object["propertyNames"] != nil {
            keywords.append(.propertyNames(try compile(c.child("propertyNames"))))
        }
    }

    // MARK: - Value shapes

    private func count(_ value: JSON, _ key: String, _ c: KeywordContext) throws(JSONSchemaError) -> Int {
        guard case .number(let n) = value, n >= 0, n.rounded() == n, n.isFinite else {
            throw c.error(key, "must be a non-negative integer")
        }
        return n >= Double(Int.max) ? Int.max : Int(n)
    }

    private func stringArray(_ value: JSON, _ key: String, _ c: KeywordContext) throws(JSONSchemaError) -> [String] {
        guard case .array(let list) = value else { throw c.error(key, "must be an array of strings") }
        var names: [String] = []
        for item in list {
            guard case .string(let name) = item else { throw c.error(key, "must be an array of strings") }
            names.append(name)
        }
        if c.draft == .draft4 && names.isEmpty { throw c.error(key, "must not be empty in draft 4") }
        if Set(names).count != names.count { throw c.error(key, "must not contain duplicates") }
        return names
    }

    private mutating func schemaArray(_ value: JSON, _ key: String, _ c: KeywordContext) throws(JSONSchemaError) -> [Int] {
        guard case .array(let list) = value else { throw c.error(key, "must be an array of schemas") }
        if list.isEmpty { throw c.error(key, "must not be empty") }
        var result: [Int] = []
        for i in list.indices { result.append(try compile(c.child(key, String(i)))) }
        return result
    }

    private func regex(_ source: String, _ key: String, _ c: KeywordContext) throws(JSONSchemaError) -> ECMARegex {
        do {
            return try ECMARegex(source)
        } catch {
            throw c.error(key, "'\(source)' is not a valid regular expression: \(error.message)")
        }
    }
}
