import JSONValue

/// The compiled form of a schema: a graph of nodes in one array, where every subschema and every
/// `$ref` target is an index. Recursive schemas (the meta-schemas, trees) are cycles in the graph,
/// which costs nothing at compile time and is bounded at validation time by the instance's depth.
struct SchemaProgram: Sendable {
    var nodes: [SchemaNode]
    var root: Int
}

/// One schema: `true`, `false`, or the keywords that apply to an instance.
enum SchemaNode: Sendable {
    case always
    case never
    case keywords([Keyword])
}

/// JSON types as the `type` keyword names them.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array),
        ("number", .number), ("string", .string), ("integer", .integer),
    ]

    var description: String {
        Self.names.filter { contains($0.1) }.map(\.0).joined(separator: " or ")
    }
}

/// A keyword after compilation; indices refer to `SchemaProgram.nodes`.
indirect enum Keyword: Sendable {
    case ref(Int)
    case type(TypeSet)
    case enumeration([JSON])
    case constant(JSON)
    case multipleOf(Double)
    case maximum(Double, exclusive: Bool)
    case minimum(Double, exclusive: Bool)
    case maxLength(Int)
    case minLength(Int)
    case pattern(ECMARegex)
    case format(StringFormat)
    case items(Int)
    case tupleItems([Int], additional: Int?)
    case maxItems(Int)
    case minItems(Int)
    case uniqueItems
    case contains(Int)
    case maxProperties(Int)
    case minProperties(Int)
    case required([String])
    case properties(PropertyApplicator)
    case propertyDependencies([(name: String, required: [String])])
    case schemaDependencies([(name: String, schema: Int)])
    case propertyNames(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
}

/// `properties`, `patternProperties` and `additionalProperties` together, because whether a
/// member is "additional" depends on the other two.
struct PropertyApplicator: Sendable {
    var named: [String: Int]
    /// `named` in schema order, for iterating it deterministically.
    var ordered: [(name: String, schema: Int)]
    var patterns: [(regex: ECMARegex, schema: Int)]
    var additional: Int?
}
