import OrderedCollections

extension Evaluator {
    func evalBinary(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        guard let op = node.binaryOp else {
            throw EvalError("S0206", position: node.position, token: node.value)
        }
        if op == .isIn, let list = node.rhs, let constant = list.constantItems, list.predicate == nil, list.group == nil {
            // `x in ["a", "b"]`, the usual membership test: the literal list as it was built at
            // compile time, without a fresh array value per evaluation.
            guard let lhs = try eval(node.lhs!, input, env) else { return .bool(false) }
            return .bool(constant.contains { strictEqual(lhs, $0) })
        }
        let lhs = try eval(node.lhs!, input, env)
        if op == .and || op == .or {
            let l = boolean(lhs) ?? false
            if op == .and {
                guard l else { return .bool(false) }
                return .bool(boolean(try eval(node.rhs!, input, env)) ?? false)
            }
            if l { return .bool(true) }
            return .bool(boolean(try eval(node.rhs!, input, env)) ?? false)
        }
        let rhs = try eval(node.rhs!, input, env)
        do {
            switch op {
            case .add, .subtract, .multiply, .divide, .modulo: return try arithmetic(lhs, rhs, op)
            case .equal: return (lhs == nil || rhs == nil) ? .bool(false) : .bool(deepEqual(lhs!, rhs!))
            case .notEqual: return (lhs == nil || rhs == nil) ? .bool(false) : .bool(!deepEqual(lhs!, rhs!))
            case .less, .lessEqual, .greater, .greaterEqual: return try compare(lhs, rhs, op)
            case .concat:
                let l = try lhs.map { try stringify($0) } ?? ""
                let r = try rhs.map { try stringify($0) } ?? ""
                return .string(l + r)
            case .range: return try range(lhs, rhs)
            case .isIn:
                guard let lhs, let rhs else { return .bool(false) }
                let items = rhs.arrayItems ?? [rhs]
                return .bool(items.contains { strictEqual(lhs, $0) })
            case .and, .or:
                return nil
            }
        } catch var error as EvalError {
            if error.position == nil { error.position = node.position }
            if error.token == nil { error.token = op.rawValue }
            throw error
        }
    }

    private func strictEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.object(let x), .object(let y)): return x === y
        case (.array(let x), .array(let y)): return x === y
        case (.function(let x), .function(let y)): return x === y
        default: return false
        }
    }

    private func arithmetic(_ lhs: Value?, _ rhs: Value?, _ op: BinaryOp) throws -> Value? {
        var l = 0.0, r = 0.0
        if let lhs {
            guard case .number(let n) = lhs else { throw EvalError("T2001", value: lhs) }
            if n.isInfinite { throw EvalError("D1001", value: lhs) }
            l = n
        }
        if let rhs {
            guard case .number(let n) = rhs else { throw EvalError("T2002", value: rhs) }
            if n.isInfinite { throw EvalError("D1001", value: rhs) }
            r = n
        }
        guard lhs != nil, rhs != nil else { return nil }
        let result: Double
        switch op {
        case .add: result = l + r
        case .subtract: result = l - r
        case .multiply: result = l * r
        case .divide: result = l / r
        default: result = l.truncatingRemainder(dividingBy: r)
        }
        return .number(result)
    }

    private func compare(_ lhs: Value?, _ rhs: Value?, _ op: BinaryOp) throws -> Value? {
        func comparable(_ v: Value?) -> Bool {
            guard let v else { return true }
            switch v {
            case .string, .number: return true
            default: return false
            }
        }
        guard comparable(lhs), comparable(rhs) else {
            var lhsIsScalar = false
            if case .string? = lhs { lhsIsScalar = true }
            if case .number? = lhs { lhsIsScalar = true }
            let bad = lhsIsScalar ? rhs : lhs
            throw EvalError("T2010", value: bad)
        }
        guard let lhs, let rhs else { return nil }
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            switch op {
            case .less: return .bool(a < b)
            case .lessEqual: return .bool(a <= b)
            case .greater: return .bool(a > b)
            default: return .bool(a >= b)
            }
        case (.string(let a), .string(let b)):
            let c = compareUTF16(a, b)
            switch op {
            case .less: return .bool(c < 0)
            case .lessEqual: return .bool(c <= 0)
            case .greater: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        default:
            throw EvalError("T2009", value: lhs, value2: rhs)
        }
    }

    private func range(_ lhs: Value?, _ rhs: Value?) throws -> Value? {
        if let lhs {
            guard case .number(let n) = lhs, n == n.rounded() else { throw EvalError("T2003", value: lhs) }
        }
        if let rhs {
            guard case .number(let n) = rhs, n == n.rounded() else { throw EvalError("T2004", value: rhs) }
        }
        guard case .number(let from)? = lhs, case .number(let to)? = rhs else { return nil }
        if from > to { return nil }
        let size = to - from + 1
        if size > 1e7 { throw EvalError("D2014", value: .number(size)) }
        var items: [Value] = []
        items.reserveCapacity(Int(size))
        var n = from
        while n <= to {
            items.append(.number(n))
            n += 1
        }
        return .array(Seq(items, sequence: true))
    }

    func evalUnary(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        switch node.value {
        case "-":
            guard let v = try eval(node.expression!, input, env) else { return nil }
            guard case .number(let n) = v else {
                throw EvalError("D1002", position: node.position, token: "-", value: v)
            }
            return .number(-n)
        case "[":
            if let constant = node.constantItems {
                let s = Seq(constant, sequence: false)
                if node.consarray { s.cons = true }
                return .array(s)
            }
            var items: [Value] = []
            for item in node.expressions {
                guard let value = try eval(item, input, env) else { continue }
                if item.kind == .unary && item.value == "[" {
                    items.append(value)
                } else if let elements = value.arrayItems {
                    items.append(contentsOf: elements)
                } else {
                    items.append(value)
                }
            }
            let s = Seq(items, sequence: false)
            if node.consarray { s.cons = true }
            return .array(s)
        case "{":
            if let single = try constructObject(node, input, env) { return single }
            return try evalGroup(Group(pairs: node.pairs, position: node.position), input, env)
        default:
            throw EvalError("S0206", position: node.position, token: node.value)
        }
    }

    // MARK: - Object construction and grouping

    /// The common case of an object constructor: one context value (not a sequence), so there
    /// is nothing to group and each pair is evaluated once, straight into the result. Returns
    /// `nil` to fall back to the general grouping algorithm.
    private func constructObject(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        if case .array = input { return nil }
        if case .jarray = input { return nil }
        if let constantKeys = node.constantKeys {
            // The keys are distinct literals: the member table is built from its two lists,
            // without searching the keys already in it for every new one.
            var keys = ContiguousArray<String>()
            var values = ContiguousArray<Value>()
            keys.reserveCapacity(constantKeys.count)
            values.reserveCapacity(constantKeys.count)
            for (i, pair) in node.pairs.enumerated() {
                guard let value = try eval(pair.1, input, env) else { continue }
                keys.append(constantKeys[i])
                values.append(value)
            }
            return .object(Obj(OrderedDictionary(uncheckedUniqueKeys: keys, values: values)))
        }
        var keys: [String?] = []
        keys.reserveCapacity(node.pairs.count)
        for pair in node.pairs {
            guard let key = try eval(pair.0, input, env) else {
                keys.append(nil)
                continue
            }
            guard case .string(let k) = key else {
                throw EvalError("T1003", position: node.position, value: key)
            }
            keys.append(k)
        }
        let result = Obj()
        result.members.reserveCapacity(node.pairs.count)
        for (i, pair) in node.pairs.enumerated() {
            guard let k = keys[i] else { continue }
            // Constructors are small: a linear scan beats hashing every key into a set.
            for j in 0..<i where keys[j] == k {
                throw EvalError("D1009", position: node.position, value: .string(k))
            }
            if let value = try eval(pair.1, input, env) { result.members[k] = value }
        }
        return .object(result)
    }

    func evalGroup(_ group: Group, _ inputIn: Value?, _ env: Frame) throws -> Value? {
        var reduce = false
        var items: [Value]
        switch inputIn {
        case .array(let s)?:
            reduce = s.tupleStream
            items = s.items
        case .jarray(let a)?: items = a.map(Value.init)
        case let v?: items = [v]
        case nil: items = []
        }
        // An empty input still evaluates the pairs once (against undefined), so that a
        // constructor of literals yields its object.
        let count = max(items.count, 1)
        /// Members of one group. Appending element by element (the reference's `$append`)
        /// would copy the array each time; the items are collected and wrapped once.
        struct Entry {
            var first: Value?
            var rest: [Value]?
            var exprIndex: Int
            var data: Value? {
                guard let rest else { return first }
                return .array(Seq(rest, sequence: false))
            }
        }
        var groups: OrderedDictionary<String, Entry> = [:]
        for itemIndex in 0..<count {
            let item: Value? = items.isEmpty ? nil : items[itemIndex]
            var env2 = env
            var context = item
            if reduce, case .object(let t)? = item {
                env2 = Frame(parent: env)
                for (k, v) in t.members { env2.bind(k, v) }
                context = t.members["@"]
            }
            for (pairIndex, pair) in group.pairs.enumerated() {
                let key = try eval(pair.0, context, env2)
                guard let key else { continue }
                guard case .string(let k) = key else {
                    throw EvalError("T1003", position: group.position, value: key)
                }
                if let index = groups.index(forKey: k) {
                    if groups.values[index].exprIndex != pairIndex {
                        throw EvalError("D1009", position: group.position, value: key)
                    }
                    guard let item else { continue }
                    if groups.values[index].rest == nil {
                        if let first = groups.values[index].first {
                            groups.values[index].rest = first.arrayItems ?? [first]
                        } else {
                            groups.values[index].rest = []
                        }
                    }
                    if let more = item.arrayItems {
                        groups.values[index].rest!.append(contentsOf: more)
                    } else {
                        groups.values[index].rest!.append(item)
                    }
                } else {
                    groups[k] = Entry(first: item, rest: nil, exprIndex: pairIndex)
                }
            }
        }
        let result = Obj()
        result.members.reserveCapacity(groups.count)
        for (key, entry) in groups {
            var context = entry.data
            var env2 = env
            if reduce {
                let tuple = reduceTupleStream(entry.data)
                context = tuple.members["@"]
                tuple.members.removeValue(forKey: "@")
                env2 = Frame(parent: env)
                for (k, v) in tuple.members { env2.bind(k, v) }
            }
            if let value = try eval(group.pairs[entry.exprIndex].1, context, env2) {
                result.members[key] = value
            }
        }
        return .object(result)
    }

    private func reduceTupleStream(_ data: Value?) -> Obj {
        guard let data else { return Obj() }
        if case .object(let t) = data { return Obj(t.members) }
        guard let items = data.arrayItems, let first = items.first, case .object(let t0) = first else { return Obj() }
        let result = Obj(t0.members)
        for item in items.dropFirst() {
            guard case .object(let t) = item else { continue }
            for (k, v) in t.members { result.members[k] = append(result.members[k], v) }
        }
        return result
    }

    /// `$append` semantics: concatenation where single values count as one-element arrays.
    func append(_ a: Value?, _ b: Value?) -> Value? {
        guard let a else { return b }
        guard let b else { return a }
        var items = a.arrayItems ?? [a]
        if let more = b.arrayItems { items.append(contentsOf: more) } else { items.append(b) }
        return .array(Seq(items, sequence: a.isSequence))
    }

    // MARK: - Order-by

    func sort(_ step: Node, _ values: [Value], tuples: [Obj]?, _ env: Frame) throws -> Seq {
        let isTuple = tuples != nil
        let elements: [Value] = tuples.map { $0.map { .object($0) } } ?? values
        // Sort keys are computed once per element; the comparator then only compares.
        var keys: [[Value?]] = []
        keys.reserveCapacity(elements.count)
        for element in elements {
            var context: Value? = element
            var frame = env
            if isTuple, case .object(let t) = element {
                context = t.members["@"]
                frame = Frame(parent: env)
                for (k, v) in t.members { frame.bind(k, v) }
            }
            var row: [Value?] = []
            for term in step.terms { row.append(try eval(term.expression, context, frame)) }
            keys.append(row)
        }
        let order = try mergeSort(Array(elements.indices)) { a, b in
            var comp = 0
            for (t, term) in step.terms.enumerated() where comp == 0 {
                let aa = keys[a][t], bb = keys[b][t]
                guard let aa else { comp = bb == nil ? 0 : 1; continue }
                guard let bb else { comp = -1; continue }
                switch (aa, bb) {
                case (.number(let x), .number(let y)): comp = x == y ? 0 : (x < y ? -1 : 1)
                case (.string(let x), .string(let y)): comp = x == y ? 0 : (compareUTF16(x, y) < 0 ? -1 : 1)
                case (.number, .string), (.string, .number):
                    throw EvalError("T2007", position: step.position, value: aa, value2: bb)
                default:
                    let bad: Value
                    switch aa {
                    case .number, .string: bad = bb
                    default: bad = aa
                    }
                    throw EvalError("T2008", position: step.position, value: bad)
                }
                if term.descending { comp = -comp }
            }
            return comp == 1
        }
        let out = Seq(order.map { elements[$0] }, sequence: true)
        out.tupleStream = isTuple
        return out
    }
}

/// Stable merge sort with a throwing "a should come after b" predicate, the contract of the
/// reference's `$sort`.
func mergeSort<T>(_ items: [T], _ swapNeeded: (T, T) throws -> Bool) throws -> [T] {
    if items.count <= 1 { return items }
    let middle = items.count / 2
    let left = try mergeSort(Array(items[..<middle]), swapNeeded)
    let right = try mergeSort(Array(items[middle...]), swapNeeded)
    var out: [T] = []
    out.reserveCapacity(items.count)
    var i = 0, j = 0
    while i < left.count && j < right.count {
        if try swapNeeded(left[i], right[j]) {
            out.append(right[j])
            j += 1
        } else {
            out.append(left[i])
            i += 1
        }
    }
    out.append(contentsOf: left[i...])
    out.append(contentsOf: right[j...])
    return out
}

/// JavaScript string ordering: by UTF-16 code units.
func compareUTF16(_ a: String, _ b: String) -> Int {
    var ia = a.utf16.makeIterator(), ib = b.utf16.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
        }
    }
}
