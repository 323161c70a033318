import JSONValue

extension Evaluator {
    mutating func applyObject(_ keyword: Keyword, _ instance: JSON) -> Bool {
        guard case .object(let members) = instance else { return true }
        switch keyword {
        case .maxProperties(let limit):
            guard members.count <= limit else {
                report("must have at most \(limit) properties, but has \(members.count)")
                return false
            }
        case .minProperties(let limit):
            guard members.count >= limit else {
                report("must have at least \(limit) properties, but has \(members.count)")
                return false
            }
        case .required(let names):
            var valid = true
            for name in names where members[name] == nil {
                report("missing required property '\(name)'")
                valid = false
                if !collecting { return false }
            }
            return valid
        case .properties(let applicator):
            return applyProperties(applicator, members)
        case .propertyDependencies(let dependencies):
            var valid = true
            for (name, required) in dependencies where members[name] != nil {
                for other in required where members[other] == nil {
                    report("property '\(name)' requires property '\(other)'")
                    valid = false
                    if !collecting { return false }
                }
            }
            return valid
        case .schemaDependencies(let dependencies):
            var valid = true
            for (name, schema) in dependencies where members[name] != nil && !check(schema, instance) {
                valid = false
                if !collecting { return false }
            }
            return valid
        case .propertyNames(let schema):
            var valid = true
            for name in members.keys where !test(schema, .string(name)) {
                report("property name '\(name)' does not match the propertyNames schema")
                valid = false
                if !collecting { return false }
            }
            return valid
        default:
            break
        }
        return true
    }

    private mutating func applyProperties(_ applicator: PropertyApplicator, _ members: JSONObject) -> Bool {
        var valid = true
        // With only `properties`, the schema's few names are looked up in a possibly large
        // payload rather than every member in the schema.
        if applicator.patterns.isEmpty && applicator.additional == nil && applicator.named.count < members.count {
            for (name, schema) in applicator.ordered {
                guard let value = members[name], !check(schema, value, member: name) else { continue }
                valid = false
                if !collecting { return false }
            }
            return valid
        }
        for (name, value) in members {
            var matched = false
            if let schema = applicator.named[name] {
                matched = true
                if !check(schema, value, member: name) {
                    valid = false
                    if !collecting { return false }
                }
            }
            for (regex, schema) in applicator.patterns {
                guard let matches = regex.matches(name) else {
                    report("property name '\(name)' could not be checked against the pattern '\(regex.source)': matching takes too long")
                    valid = false
                    if !collecting { return false }
                    continue
                }
                guard matches else { continue }
                matched = true
                if !check(schema, value, member: name) {
                    valid = false
                    if !collecting { return false }
                }
            }
            guard !matched, let additional = applicator.additional else { continue }
            let accepted: Bool
            if case .never = program.nodes[additional] {
                report("property '\(name)' is not allowed")
                accepted = false
            } else {
                accepted = check(additional, value, member: name)
            }
            if !accepted {
                valid = false
                if !collecting { return false }
            }
        }
        return valid
    }
}
