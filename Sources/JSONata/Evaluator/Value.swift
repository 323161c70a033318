import JSONValue
import OrderedCollections

/// The evaluator's value. `nil` (`Value?`) stands for JavaScript `undefined`.
///
/// Input documents are wrapped, never deep-converted: `.jarray`/`.jobject` hold the caller's
/// copy-on-write storage and their members are wrapped one level at a time as paths reach
/// them. Arrays and objects the expression builds are reference types (`Seq`, `Obj`) because
/// JSONata's semantics attach flags to sequences after creation and the transform operator
/// updates matched objects in place, exactly as the reference does with JavaScript objects.
enum Value {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case jarray([JSON])
    case jobject(JSONObject)
    case array(Seq)
    case object(Obj)
    case function(Fn)

    @inline(__always) init(_ json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let a): self = .jarray(a)
        case .object(let o): self = .jobject(o)
        }
    }

    var isArray: Bool {
        switch self {
        case .jarray, .array: return true
        default: return false
        }
    }

    var isObject: Bool {
        switch self {
        case .jobject, .object: return true
        default: return false
        }
    }

    var isFunction: Bool {
        if case .function = self { return true }
        return false
    }

    /// A sequence: an array the evaluator made to carry several results, as opposed to an
    /// array value of the data model.
    var isSequence: Bool {
        if case .array(let s) = self { return s.isSequence }
        return false
    }

    var seq: Seq? {
        if case .array(let s) = self { return s }
        return nil
    }

    /// The elements of an array value, wrapped one level deep.
    var arrayItems: [Value]? {
        switch self {
        case .jarray(let a): return a.map(Value.init)
        case .array(let s): return s.items
        default: return nil
        }
    }

    var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Member lookup on an object value.
    @inline(__always) func member(_ key: String) -> Value? {
        switch self {
        case .jobject(let o): return o[key].map(Value.init)
        case .object(let o): return o.members[key]
        default: return nil
        }
    }

    /// Keys of an object value in insertion order.
    var objectKeys: [String]? {
        switch self {
        case .jobject(let o): return Array(o.keys)
        case .object(let o): return Array(o.members.keys)
        default: return nil
        }
    }

    /// Members of an object value, in insertion order.
    var objectMembers: [(String, Value)]? {
        switch self {
        case .jobject(let o): return o.map { ($0.key, Value($0.value)) }
        case .object(let o): return o.members.map { ($0.key, $0.value) }
        default: return nil
        }
    }
}

/// An array built by the evaluator, with the reference implementation's sequence flags.
final class Seq {
    var items: [Value]
    /// Produced by path evaluation rather than written as an array.
    var isSequence: Bool
    /// `[]` in the expression: a singleton stays an array.
    var keepSingleton = false
    /// An array constructor `[...]` in a path, which is not flattened.
    var cons = false
    /// The top-level input array wrapped so that paths iterate it as one context.
    var outerWrapper = false
    /// Holds tuples (objects with `@` and variable bindings) rather than values.
    var tupleStream = false

    init(_ items: [Value] = [], sequence: Bool) {
        self.items = items
        self.isSequence = sequence
    }

    static func sequence(_ items: [Value] = []) -> Seq { Seq(items, sequence: true) }
}

/// An object built by the evaluator.
final class Obj {
    var members: OrderedDictionary<String, Value>
    init(_ members: OrderedDictionary<String, Value> = [:]) { self.members = members }
}

extension Value {
    /// Converts to the public JSON type. Functions become `nil` (JSON has no functions; the
    /// reference's `JSON.stringify` drops them the same way).
    func toJSON() -> JSON? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .jarray(let a): return .array(a)
        case .jobject(let o): return .object(o)
        case .array(let s):
            var out: [JSON] = []
            out.reserveCapacity(s.items.count)
            for item in s.items { if let j = item.toJSON() { out.append(j) } }
            return .array(out)
        case .object(let o):
            // The keys are already distinct: the table is built from the two lists unless a
            // member is a function, which JSON drops.
            var values = ContiguousArray<JSON>()
            values.reserveCapacity(o.members.count)
            for value in o.members.values {
                guard let json = value.toJSON() else { break }
                values.append(json)
            }
            if values.count == o.members.count {
                return .object(JSONObject(uncheckedUniqueKeys: o.members.keys.elements, values: values))
            }
            var out = JSONObject(minimumCapacity: o.members.count)
            for (k, v) in o.members { if let j = v.toJSON() { out[k] = j } }
            return .object(out)
        case .function: return nil
        }
    }

    /// A deep copy whose containers are all evaluator-owned (`Seq`/`Obj`), so that the
    /// transform operator can update matches in place without touching the input.
    func deepClone() -> Value {
        switch self {
        case .jarray(let a): return .array(Seq(a.map { Value($0).deepClone() }, sequence: false))
        case .jobject(let o):
            var m = OrderedDictionary<String, Value>(minimumCapacity: o.count)
            for (k, v) in o { m[k] = Value(v).deepClone() }
            return .object(Obj(m))
        case .array(let s): return .array(Seq(s.items.map { $0.deepClone() }, sequence: false))
        case .object(let o):
            var m = OrderedDictionary<String, Value>(minimumCapacity: o.members.count)
            for (k, v) in o.members { m[k] = v.deepClone() }
            return .object(Obj(m))
        default: return self
        }
    }
}

/// Structural equality as the reference's `isDeepEqual` (used by `=`, `!=`, `$distinct`).
func deepEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.jarray(let x), .jarray(let y)): return x == y
    case (.jobject(let x), .jobject(let y)): return JSON.object(x) == JSON.object(y)
    case (.function(let x), .function(let y)): return x === y
    default: break
    }
    if let x = a.arrayItems, let y = b.arrayItems {
        guard x.count == y.count else { return false }
        for i in 0..<x.count where !deepEqual(x[i], y[i]) { return false }
        return true
    }
    if a.isObject, b.isObject, let x = a.objectMembers, let y = b.objectMembers {
        guard x.count == y.count else { return false }
        for (k, v) in x {
            guard let w = b.member(k), deepEqual(v, w) else { return false }
        }
        return true
    }
    return false
}

/// Double → Int without trapping: NaN becomes 0, out-of-range values saturate.
@inline(__always) func clampInt(_ d: Double) -> Int {
    if d.isNaN { return 0 }
    if d >= 9.2e18 { return Int.max / 2 }
    if d <= -9.2e18 { return Int.min / 2 }
    return Int(d)
}
extension Value: @unchecked Sendable {}
