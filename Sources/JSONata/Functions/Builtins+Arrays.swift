import Foundation
import OrderedCollections

extension Builtins {
    static func items(_ v: Value?) -> [Value] {
        guard let v else { return [] }
        return v.arrayItems ?? [v]
    }

    static let arrayFunctions: [Definition] = [
        ("append", "<xx:a>", 2, { ev, a, _, _ in ev.append(a[0], arg(a, 1)) }),
        ("reverse", "<a:a>", 1, { _, a, _, _ in
            guard let v = a[0] else { return nil }
            let list = items(v)
            if list.count <= 1 { return v }
            return .array(Seq(list.reversed(), sequence: false))
        }),
        ("shuffle", "<a:a>", 1, { _, a, _, _ in
            guard let v = a[0] else { return nil }
            let list = items(v)
            if list.count <= 1 { return v }
            return .array(Seq(list.shuffled(), sequence: false))
        }),
        ("distinct", "<x:x>", 1, { _, a, _, _ in
            guard let v = a[0] else { return nil }
            guard let list = v.arrayItems, list.count > 1 else { return v }
            var out: [Value] = []
            for item in list where !out.contains(where: { deepEqual($0, item) }) { out.append(item) }
            return .array(Seq(out, sequence: v.isSequence))
        }),
        ("sort", "<af?:a>", 2, { ev, a, _, env in
            guard let v = a[0] else { return nil }
            let list = items(v)
            if list.count <= 1 { return v }
            if let comparator = arg(a, 1) {
                return .array(Seq(try mergeSort(list) { x, y in
                    boolean(try ev.apply(comparator, [x, y], nil, env)) == true
                }, sequence: false))
            }
            if list.allSatisfy({ num($0) != nil }) {
                return .array(Seq(try mergeSort(list) { num($0)! > num($1)! }, sequence: false))
            }
            if list.allSatisfy({ str($0) != nil }) {
                return .array(Seq(try mergeSort(list) { compareUTF16(str($0)!, str($1)!) > 0 }, sequence: false))
            }
            throw EvalError("D3070", index: 1)
        }),
        ("zip", "<a+>", 0, { _, a, _, _ in
            let arrays = a.map { $0?.arrayItems ?? [] }
            let length = arrays.map(\.count).min() ?? 0
            var out: [Value] = []
            for i in 0..<length { out.append(.array(Seq(arrays.map { $0[i] }, sequence: false))) }
            return .array(Seq(out, sequence: false))
        }),
    ]

    static func keys(_ v: Value?) -> [String] {
        guard let v else { return [] }
        if let list = v.arrayItems {
            var merged = OrderedSet<String>()
            for item in list { merged.append(contentsOf: keys(item)) }
            return Array(merged)
        }
        return v.objectKeys ?? []
    }

    static func spread(_ v: Value?) -> Value? {
        guard let v else { return nil }
        if let list = v.arrayItems {
            var out: Value? = .array(Seq.sequence())
            for item in list { out = appendValues(out, spread(item)) }
            return out
        }
        if let members = v.objectMembers {
            return .array(Seq(members.map { .object(Obj([$0.0: $0.1])) }, sequence: true))
        }
        return v
    }

    static func appendValues(_ a: Value?, _ b: Value?) -> Value? {
        guard let a else { return b }
        guard let b else { return a }
        var list = a.arrayItems ?? [a]
        list.append(contentsOf: b.arrayItems ?? [b])
        return .array(Seq(list, sequence: a.isSequence))
    }

    static func typeName(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .number: return "number"
        case .string: return "string"
        case .bool: return "boolean"
        case .jarray, .array: return "array"
        case .function: return "function"
        case .jobject, .object: return "object"
        }
    }

    static let objectFunctions: [Definition] = [
        ("keys", "<x-:a<s>>", 1, { _, a, _, _ in
            .array(Seq(keys(a[0]).map { .string($0) }, sequence: true))
        }),
        ("lookup", "<x-s:x>", 2, { ev, a, _, _ in
            guard let key = str(arg(a, 1)) else { return nil }
            return ev.lookup(a[0], key)
        }),
        ("spread", "<x-:a<o>>", 1, { _, a, _, _ in spread(a[0]) }),
        ("merge", "<a<o>:o>", 1, { _, a, _, _ in
            guard let v = a[0] else { return nil }
            let result = Obj()
            for item in items(v) {
                for (k, value) in item.objectMembers ?? [] { result.members[k] = value }
            }
            return .object(result)
        }),
        ("type", "<x:s>", 1, { _, a, _, _ in a[0].map { .string(typeName($0)) } }),
        ("error", "<s?:x>", 1, { _, a, _, _ in
            throw EvalError("D3137", message: str(a.first ?? nil) ?? "$error() function evaluated")
        }),
        ("assert", "<bs?:x>", 2, { _, a, _, _ in
            if case .bool(false)? = a[0] {
                throw EvalError("D3141", message: str(arg(a, 1)) ?? "$assert() statement failed")
            }
            return nil
        }),
        ("clone", "<(oa)-:o>", 1, { _, a, _, _ in a[0].map { $0.deepClone() } }),
        ("eval", "<sx?:x>", 2, { ev, a, input, env in
            guard let text = str(a[0]) else { return nil }
            var focus = input
            if let f = arg(a, 1) {
                focus = f
                if f.isArray && !f.isSequence {
                    let s = Seq([f], sequence: true)
                    s.outerWrapper = true
                    focus = .array(s)
                }
            }
            let ast: Node
            do {
                ast = try Parser.parseTree(text)
            } catch let error as EvalError {
                throw EvalError("D3120", value: .string(error.publicError.message))
            }
            do {
                return try ev.eval(ast, focus, env)
            } catch let error as EvalError {
                throw EvalError("D3121", value: .string(error.publicError.message))
            }
        }),
    ]
}
