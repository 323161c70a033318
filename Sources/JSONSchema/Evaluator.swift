import JSONValue

/// Applies a compiled program to one instance.
///
/// In collecting mode every failure is recorded with its instance path; otherwise evaluation
/// stops at the first failure. Keywords that only need a yes/no answer from a subschema
/// (`anyOf`, `oneOf`, `not`, `if`, `contains`, `propertyNames`) evaluate it in the stopping mode
/// and report one error of their own, which keeps messages short and the work bounded; a failed
/// `anyOf`/`oneOf` then names the first reason of each branch.
struct Evaluator {
    private enum PathToken {
        case key(String)
        case index(Int)
    }

    let program: SchemaProgram
    private(set) var collecting: Bool
    private(set) var errors: [JSONSchema.ValidationError] = []
    private var path: [PathToken] = []

    init(program: SchemaProgram, collecting: Bool) {
        self.program = program
        self.collecting = collecting
    }

    /// Whether `instance` satisfies node `index`, recording failures when collecting.
    mutating func check(_ index: Int, _ instance: JSON) -> Bool {
        switch program.nodes[index] {
        case .always:
            return true
        case .never:
            report("no value is allowed here (the schema is false)")
            return false
        case .keywords(let keywords):
            var valid = true
            for keyword in keywords where !apply(keyword, instance) {
                valid = false
                if !collecting { return false }
            }
            return valid
        }
    }

    /// Evaluates a subschema for its yes/no answer only.
    mutating func test(_ index: Int, _ instance: JSON) -> Bool {
        let saved = collecting
        collecting = false
        defer { collecting = saved }
        return check(index, instance)
    }

    mutating func report(_ message: String) {
        guard collecting else { return }
        errors.append(.init(path: pathString, message: message))
    }

    private var pathString: String {
        var out = ""
        for token in path {
            switch token {
            case .key(let key): out += "/" + JSONPointer.escape(key)
            case .index(let i): out += "/" + String(i)
            }
        }
        return out
    }

    /// Why each of `schemas` rejects `instance`: the first error of each, for a message that
    /// says more than "matches none". Only computed when reporting, so valid instances and
    /// `isValid` never pay for it.
    private mutating func branchReasons(_ schemas: [Int], _ instance: JSON) -> String {
        let here = pathString
        var reasons: [String] = []
        for (i, schema) in schemas.prefix(Self.reasonLimit).enumerated() {
            let saved = errors
            errors = []
            _ = check(schema, instance)
            if let first = errors.first {
                let location = first.path == here ? "" : "at \(first.path) "
                reasons.append("\(i): \(location)\(first.message)")
            }
            errors = saved
        }
        if schemas.count > Self.reasonLimit { reasons.append("…") }
        return reasons.isEmpty ? "" : " (" + reasons.joined(separator: "; ") + ")"
    }

    private static let reasonLimit = 5

    /// `check` on a member or item, with the path extended while it runs.
    mutating func check(_ index: Int, _ instance: JSON, member: String) -> Bool {
        path.append(.key(member))
        defer { path.removeLast() }
        return check(index, instance)
    }

    mutating func check(_ index: Int, _ instance: JSON, item: Int) -> Bool {
        path.append(.index(item))
        defer { path.removeLast() }
        return check(index, instance)
    }

    private func isFalse(_ index: Int) -> Bool {
        if case .never = program.nodes[index] { return true }
        return false
    }

    // MARK: - Keywords

    private mutating func apply(_ keyword: Keyword, _ instance: JSON) -> Bool {
        switch keyword {
        case .ref(let target):
            return check(target, instance)
        case .type(let types):
            guard types.admits(instance) else {
                report("must be \(types.description), but is \(instance.schemaTypeName)")
                return false
            }
            return true
        case .enumeration(let options):
            guard options.contains(where: { ExactJSON.equal($0, instance) }) else {
                report("must be one of \(Self.brief(.array(options)))")
                return false
            }
            return true
        case .constant(let value):
            guard ExactJSON.equal(value, instance) else {
                report("must be equal to \(Self.brief(value))")
                return false
            }
            return true
        case .multipleOf, .maximum, .minimum:
            return applyNumeric(keyword, instance)
        case .maxLength, .minLength, .pattern, .format:
            return applyString(keyword, instance)
        case .items, .tupleItems, .maxItems, .minItems, .uniqueItems, .contains:
            return applyArray(keyword, instance)
        case .maxProperties, .minProperties, .required, .properties, .propertyDependencies,
            .schemaDependencies, .propertyNames:
            return applyObject(keyword, instance)
        case .allOf(let schemas):
            var valid = true
            for schema in schemas where !check(schema, instance) {
                valid = false
                if !collecting { return false }
            }
            return valid
        case .anyOf(let schemas):
            guard schemas.contains(where: { test($0, instance) }) else {
                if collecting {
                    report("must match at least one of the anyOf schemas" + branchReasons(schemas, instance))
                }
                return false
            }
            return true
        case .oneOf(let schemas):
            var matched: [Int] = []
            for (i, schema) in schemas.enumerated() where test(schema, instance) {
                matched.append(i)
                if matched.count > 1 && !collecting { return false }
            }
            if matched.count == 1 { return true }
            if matched.isEmpty {
                if collecting {
                    report("must match exactly one of the oneOf schemas, but matches none" + branchReasons(schemas, instance))
                }
            } else {
                let list = matched.map(String.init).joined(separator: ", ")
                report("must match exactly one of the oneOf schemas, but matches those at \(list)")
            }
            return false
        case .not(let schema):
            guard !test(schema, instance) else {
                report("must not match the schema in not")
                return false
            }
            return true
        case .conditional(let condition, let then, let otherwise):
            if test(condition, instance) {
                return then.map { check($0, instance) } ?? true
            }
            return otherwise.map { check($0, instance) } ?? true
        }
    }

    private mutating func applyNumeric(_ keyword: Keyword, _ instance: JSON) -> Bool {
        guard case .number(let value) = instance else { return true }
        switch keyword {
        case .multipleOf(let divisor):
            guard Self.isMultiple(value, of: divisor) else {
                report("must be a multiple of \(JSNumberFormat.string(divisor))")
                return false
            }
        case .maximum(let limit, let exclusive):
            guard exclusive ? value < limit : value <= limit else {
                report("must be \(exclusive ? "<" : "<=") \(JSNumberFormat.string(limit))")
                return false
            }
        case .minimum(let limit, let exclusive):
            guard exclusive ? value > limit : value >= limit else {
                report("must be \(exclusive ? ">" : ">=") \(JSNumberFormat.string(limit))")
                return false
            }
        default:
            break
        }
        return true
    }

    /// Divisibility of doubles: the quotient must be a whole number, allowing for the rounding
    /// error of decimal fractions (0.0075 / 0.0001 is 75.00000000000001). When the quotient
    /// overflows, the exact remainder decides (1e308 is a multiple of 0.5).
    static func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        let quotient = value / divisor
        guard quotient.isFinite else {
            return value.truncatingRemainder(dividingBy: divisor) == 0
        }
        let nearest = quotient.rounded()
        return abs(quotient - nearest) <= max(1, abs(quotient)) * 1e-12
    }

    private mutating func applyString(_ keyword: Keyword, _ instance: JSON) -> Bool {
        guard case .string(let text) = instance else { return true }
        switch keyword {
        case .maxLength(let limit):
            let length = text.unicodeScalars.count
            guard length <= limit else {
                report("must be at most \(limit) characters long, but is \(length)")
                return false
            }
        case .minLength(let limit):
            let length = text.unicodeScalars.count
            guard length >= limit else {
                report("must be at least \(limit) characters long, but is \(length)")
                return false
            }
        case .pattern(let regex):
            switch regex.matches(text) {
            case true?:
                break
            case false?:
                report("must match the pattern '\(regex.source)'")
                return false
            case nil:
                report("could not be checked against the pattern '\(regex.source)': matching takes too long")
                return false
            }
        case .format(let format):
            guard format.accepts(text) else {
                report("must be a valid \(format.rawValue)")
                return false
            }
        default:
            break
        }
        return true
    }

    private mutating func applyArray(_ keyword: Keyword, _ instance: JSON) -> Bool {
        guard case .array(let items) = instance else { return true }
        switch keyword {
        case .items(let schema):
            var valid = true
            for (i, item) in items.enumerated() where !check(schema, item, item: i) {
                valid = false
                if !collecting { return false }
            }
            return valid
        case .tupleItems(let schemas, let additional):
            var valid = true
            for (i, item) in items.enumerated() {
                let schema: Int
                if i < schemas.count {
                    schema = schemas[i]
                } else if let additional {
                    if isFalse(additional) {
                        report("must have at most \(schemas.count) items, but has \(items.count)")
                        return false
                    }
                    schema = additional
                } else {
                    break
                }
                if !check(schema, item, item: i) {
                    valid = false
                    if !collecting { return false }
                }
            }
            return valid
        case .maxItems(let limit):
            guard items.count <= limit else {
                report("must have at most \(limit) items, but has \(items.count)")
                return false
            }
        case .minItems(let limit):
            guard items.count >= limit else {
                report("must have at least \(limit) items, but has \(items.count)")
                return false
            }
        case .uniqueItems:
            if let (first, second) = Self.firstDuplicate(items) {
                report("must not contain duplicate items (items \(first) and \(second) are equal)")
                return false
            }
        case .contains(let schema):
            guard items.contains(where: { test(schema, $0) }) else {
                report("must contain at least one item that matches the contains schema")
                return false
            }
        default:
            break
        }
        return true
    }

    /// The indices of the first pair of equal items under JSON equality (`1` equals `1.0`,
    /// member order does not matter), found by hashing.
    static func firstDuplicate(_ items: [JSON]) -> (Int, Int)? {
        var seen: [ExactJSON: Int] = [:]
        for (i, item) in items.enumerated() {
            if let earlier = seen[ExactJSON(value: item)] { return (earlier, i) }
            seen[ExactJSON(value: item)] = i
        }
        return nil
    }

    /// A value for a message: its JSON text, shortened when long.
    static func brief(_ value: JSON) -> String {
        let text = value.serialized()
        guard text.count > 120 else { return text }
        return String(text.prefix(117)) + "..."
    }
}

extension TypeSet {
    func admits(_ value: JSON) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        case .number(let n): contains(.number) || (contains(.integer) && n.isFinite && n.rounded() == n)
        }
    }
}

extension JSON {
    /// The type name for messages, saying "integer" for whole numbers.
    var schemaTypeName: String {
        if case .number(let n) = self, n.isFinite, n.rounded() == n { return "integer" }
        return typeName
    }
}
