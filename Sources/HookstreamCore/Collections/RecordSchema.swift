public import JSONValue

/// The shape of a collection's records, inferred from a sample of them (the API's
/// `GET /v1/collections/:id/schema`). Computed on demand, never stored, so it follows the data
/// as it evolves.
///
/// Fields are named the way the CSV export names its columns: nested objects are flattened to
/// dot paths (`data.object.email`) and an array is one field of type `array`. Arrays are also
/// described element-wise under `name[]`: members of object elements as `items[].sku`, scalar
/// elements as `tags[]`. An object is a field only when it never had a member in the sample
/// (`metadata: {}`); otherwise its members are.
public struct RecordSchema: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        /// The distinct non-null JSON types seen at this path, sorted; empty when only `null`.
        public var types: [String]
        /// Seen as `null`, or missing from an object that had other members at this level.
        public var nullable: Bool

        /// One type name, `null` when nothing but null was seen, or `mixed` (see ``types``).
        public var type: String { types.count == 1 ? types[0] : types.isEmpty ? "null" : "mixed" }

        public init(name: String, types: [String], nullable: Bool) {
            self.name = name
            self.types = types
            self.nullable = nullable
        }
    }

    /// In the order the paths were first met in the sample.
    public var fields: [Field]
    public var sampleCount: Int
    /// The sample had more than ``RecordSchemaBuilder/maximumFields`` distinct paths (a map keyed
    /// by IDs, say); the rest were not described.
    public var truncated: Bool
}

/// Accumulates records one at a time, so a caller can read its sample in small pages and
/// hold only the per-path tallies, never the sample itself.
public struct RecordSchemaBuilder: Sendable {
    /// A record with a map keyed by IDs would otherwise make a field of every ID.
    public static let maximumFields = 1_000

    private struct PathTally: Sendable {
        var types: Set<String> = []
        var sawNull = false
        var hadMembers = false
        /// How many objects at `parent` had this member; `nil` for array elements.
        var present = 0
        var parent: String?
    }

    private var tallies: OrderedDictionary<String, PathTally> = [:]
    /// How many objects were met at each path (the root's is the empty path).
    private var objectCounts: [String: Int] = [:]
    private var sampleCount = 0
    private var truncated = false

    public init() {}

    public mutating func add(_ record: JSON) {
        sampleCount += 1
        visit(record, at: "", parent: nil)
    }

    public func schema() -> RecordSchema {
        var fields: [RecordSchema.Field] = []
        for (name, tally) in tallies {
            // An object with members is described by them, like a CSV column per member.
            if tally.types != ["object"] || !tally.hadMembers {
                var missing = false
                if let parent = tally.parent { missing = tally.present < objectCounts[parent, default: 0] }
                fields.append(RecordSchema.Field(name: name, types: tally.types.sorted(), nullable: tally.sawNull || missing))
            }
        }
        return RecordSchema(fields: fields, sampleCount: sampleCount, truncated: truncated)
    }

    /// - Parameter parent: the object path this value is a member of; `nil` for an array
    ///   element (and the root), whose presence says nothing about nullability.
    private mutating func visit(_ value: JSON, at path: String, parent: String?) {
        if !path.isEmpty {
            guard note(value, at: path, parent: parent) else { return }
        }
        switch value {
        case .object(let members):
            objectCounts[path, default: 0] += 1
            for (key, member) in members {
                visit(member, at: path.isEmpty ? key : path + "." + key, parent: path)
            }
            if !members.isEmpty, !path.isEmpty { tallies[path]?.hadMembers = true }
        case .array(let elements):
            for element in elements { visit(element, at: path + "[]", parent: nil) }
        case .null, .bool, .number, .string:
            break
        }
    }

    /// Records `value` at `path`; `false` when the path is new and the field limit is reached
    /// (its subtree is then not described either).
    private mutating func note(_ value: JSON, at path: String, parent: String?) -> Bool {
        if tallies[path] == nil {
            guard tallies.count < Self.maximumFields else {
                truncated = true
                return false
            }
            tallies[path] = PathTally(parent: parent)
        }
        if case .null = value {
            tallies[path]?.sawNull = true
        } else {
            tallies[path]?.types.insert(value.typeName)
        }
        if parent != nil { tallies[path]?.present += 1 }
        return true
    }
}
