extension Builtins {
    /// Arguments for a callback: the value always, then the index and the whole array only if
    /// the callback declares them.
    static func callbackArgs(_ f: Value?, _ value: Value, _ index: Value, _ all: Value) -> [Value?] {
        guard case .function(let fn)? = f else { return [value] }
        switch fn.arity {
        case ...1: return [value]
        case 2: return [value, index]
        default: return [value, index, all]
        }
    }

    static let higherOrderFunctions: [Definition] = [
        ("map", "<af>", 2, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            let list = items(v)
            let out = Seq.sequence()
            for (i, item) in list.enumerated() {
                if let r = try ev.apply(a[1], callbackArgs(a[1], item, .number(Double(i)), v), nil, env) {
                    out.items.append(r)
                }
            }
            return .array(out)
        }),
        ("filter", "<af>", 2, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            let list = items(v)
            let out = Seq.sequence()
            for (i, item) in list.enumerated() {
                if boolean(try ev.apply(a[1], callbackArgs(a[1], item, .number(Double(i)), v), nil, env)) == true {
                    out.items.append(item)
                }
            }
            return .array(out)
        }),
        ("single", "<af?>", 2, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            let list = items(v)
            var found: Value?
            for (i, item) in list.enumerated() {
                var ok = true
                if let f = arg(a, 1) {
                    ok = boolean(try ev.apply(f, callbackArgs(f, item, .number(Double(i)), v), nil, env)) == true
                }
                if ok {
                    if found != nil { throw EvalError("D3138", index: i) }
                    found = item
                }
            }
            guard let found else { throw EvalError("D3139") }
            return found
        }),
        ("reduce", "<afj?:j>", 3, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            guard case .function(let f)? = a[1] else { return nil }
            let arity = f.arity
            if arity < 2 { throw EvalError("D3050", index: 1) }
            let list = items(v)
            var result: Value?
            var index = 0
            if let initial = arg(a, 2) {
                result = initial
            } else if !list.isEmpty {
                result = list[0]
                index = 1
            }
            while index < list.count {
                var args: [Value?] = [result, list[index]]
                if arity >= 3 { args.append(.number(Double(index))) }
                if arity >= 4 { args.append(v) }
                result = try ev.apply(a[1], args, nil, env)
                index += 1
            }
            return result
        }),
        ("sift", "<o-f?:o>", 2, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            let result = Obj()
            func keep(_ k: String, _ value: Value) throws {
                if boolean(try ev.apply(a[1], callbackArgs(a[1], value, .string(k), v), nil, env)) == true {
                    result.members[k] = value
                }
            }
            // An input object's members are visited in place, not gathered into a list first.
            switch v {
            case .jobject(let o): for (k, value) in o { try keep(k, Value(value)) }
            case .object(let o): for (k, value) in o.members { try keep(k, value) }
            default: return nil
            }
            return result.members.isEmpty ? nil : .object(result)
        }),
        ("each", "<o-f:a>", 2, { ev, a, _, env in
            guard let v = a[0], let members = v.objectMembers else { return nil }
            let out = Seq.sequence()
            for (k, value) in members {
                if let r = try ev.apply(a[1], callbackArgs(a[1], value, .string(k), v), nil, env) {
                    out.items.append(r)
                }
            }
            return .array(out)
        }),
    ]
}
