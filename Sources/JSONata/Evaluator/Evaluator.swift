import Foundation
import JSONValue
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One evaluation's state: the guards (depth, deadline, stack headroom) and the timestamp
/// `$now()`/`$millis()` report. Never shared between evaluations or threads.
final class Evaluator {
    let maxDepth: Int
    let deadline: ContinuousClock.Instant?
    let startMillis: Double
    // Read and written on every evaluation step, by this evaluation only and never through
    // overlapping accesses: the run-time exclusivity checks would cost more than the work.
    @exclusivity(unchecked) var depth = 0
    @exclusivity(unchecked) private var ticks: UInt = 0
    @exclusivity(unchecked) private var stackLimit: UInt = 0

    init(limits: JSONata.Limits) {
        maxDepth = limits.maxDepth
        deadline = limits.timeout.map { ContinuousClock.now + $0 }
        startMillis = (Date().timeIntervalSince1970 * 1000).rounded(.down)
    }

    func run(_ root: Node, input: JSON?, bindings: [String: JSON]) throws -> JSON? {
        var inputValue = input.map(Value.init)
        if case .jarray? = inputValue {
            let wrapper = Seq([inputValue!], sequence: true)
            wrapper.outerWrapper = true
            inputValue = .array(wrapper)
        }
        let env = Frame(parent: nil)
        env.bind("$", inputValue)
        for (name, value) in bindings { env.bind(name, Value(value)) }
        do {
            let result = try eval(root, inputValue, env)
            return result?.toJSON()
        } catch let error as EvalError {
            throw error.publicError
        }
    }

    // MARK: - Guards

    @inline(__always) private func enter(_ node: Node) throws {
        depth += 1
        if depth > maxDepth { throw EvalError("U1001", position: node.position) }
        if depth > 64 { try checkStack(node) }
        ticks &+= 1
        if ticks & 1023 == 0, let deadline, ContinuousClock.now > deadline {
            throw EvalError("U1001", position: node.position, message: "Expression evaluation timeout: Check for infinite loop")
        }
    }

    /// Stops deep recursion before the thread's stack runs out, whatever `maxDepth` says:
    /// threads differ widely in stack size (8 MiB main thread, 512 KiB secondary threads).
    private func checkStack(_ node: Node) throws {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        if stackLimit == 0 { stackLimit = Self.stackLowerBound(near: here) }
        if here < stackLimit {
            throw EvalError("U1001", position: node.position)
        }
    }

    private static func stackLowerBound(near here: UInt) -> UInt {
        let reserve: UInt = 256 * 1024
        #if os(Linux)
        // `pthread_getattr_np` is a GNU extension the Glibc module does not export.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        var attr = pthread_attr_t()
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np"),
           unsafeBitCast(symbol, to: GetAttr.self)(pthread_self(), &attr) == 0 {
            defer { pthread_attr_destroy(&attr) }
            var address: UnsafeMutableRawPointer?
            var size = 0
            if pthread_attr_getstack(&attr, &address, &size) == 0, let address {
                return UInt(bitPattern: address) + reserve
            }
        }
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return top - size + reserve
        #endif
        return here > 400 * 1024 ? here - 400 * 1024 : 0
    }

    // MARK: - Dispatch

    func eval(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        try enter(node)
        defer { depth -= 1 }
        var result: Value?
        switch node.kind {
        case .path: result = try evalPath(node, input, env)
        case .binary: result = try evalBinary(node, input, env)
        case .unary: result = try evalUnary(node, input, env)
        case .name: result = lookup(input, node.value)
        case .string, .number, .value: result = node.literal
        case .wildcard: result = wildcard(input)
        case .descendant: result = descendants(input)
        case .parent: result = env.lookup(node.slot!.label)
        case .condition:
            let condition = try eval(node.condition!, input, env)
            if boolean(condition) == true {
                result = try eval(node.then!, input, env)
            } else if let otherwise = node.otherwise {
                result = try eval(otherwise, input, env)
            }
        case .block:
            let frame = node.blockNeedsFrame ? Frame(parent: env) : env
            for expression in node.expressions { result = try eval(expression, input, frame) }
        case .bind:
            result = try eval(node.rhs!, input, env)
            env.bind(node.lhs!.value, result)
        case .regex: result = .function(Fn(.regex(node.regex!)))
        case .function: result = try evalFunction(node, input, env, applyTo: nil)
        case .variable:
            if node.value.isEmpty {
                if case .array(let s)? = input, s.outerWrapper { result = s.items.first } else { result = input }
            } else {
                result = env.lookup(node.value)
            }
        case .lambda:
            result = .function(Fn(.lambda(Lambda(node: node, env: env, input: input, params: node.params)), signature: node.signature))
        case .partial: result = try evalPartial(node, input, env)
        case .apply: result = try evalApply(node, input, env)
        case .transform: result = .function(Fn(.transform(node, env), signature: Builtins.transformSignature))
        case .sort, .op, .end:
            throw EvalError("S0206", position: node.position, token: node.value)
        }
        if let predicates = node.predicate {
            for case .filter(let p, _) in predicates { result = try filter(p, result, env) }
        }
        if node.kind != .path, let group = node.group { result = try evalGroup(group, result, env) }
        if case .array(let s)? = result, s.isSequence, !s.tupleStream {
            if node.keepArray { s.keepSingleton = true }
            if s.items.isEmpty {
                result = nil
            } else if s.items.count == 1 && !s.keepSingleton {
                result = s.items[0]
            }
        }
        return result
    }

    // MARK: - Paths

    /// Fast path for the most common shape, `a.b.c` over objects, where a step may pick one
    /// element by a literal index (`a.b[0].c`): no sequence is built. Returns `nil` to hand
    /// over to the general path (an array met where no index picks from it, nested arrays,
    /// any other step), `.some(nil)` for undefined.
    private func simplePath(_ node: Node, _ input: Value?) -> Value?? {
        // A single name in an input object, the most common path of all: looked up where the
        // object is, without taking a copy of it to walk from.
        if node.steps.count == 1, case .jobject(let o)? = input {
            let step = node.steps[0]
            if step.isPlainName, step.stages == nil {
                guard let member = o[step.value] else { return .some(nil) }
                if case .array = member { return nil }
                return .some(Value(member))
            }
        }
        guard var current = input else { return nil }
        if case .array = current { return nil }
        if case .jarray = current { return nil }
        for step in node.steps {
            guard step.isPlainName else { return nil }
            var index: Double?
            if let stages = step.stages {
                guard stages.count == 1, case .filter(let predicate, _) = stages[0], predicate.kind == .number,
                      case .number(let n)? = predicate.literal else { return nil }
                index = n
            }
            let next: Value
            switch current {
            case .jobject(let o):
                guard let member = o[step.value] else { return .some(nil) }
                next = Value(member)
            case .object(let o):
                guard let member = o.members[step.value] else { return .some(nil) }
                next = member
            default: return .some(nil)
            }
            guard let index else {
                if next.isArray { return nil }
                current = next
                continue
            }
            // As the general path filters a step's value: a single value is a sequence of one,
            // the index is floored and counts from the end when negative.
            let count: Int
            switch next {
            case .jarray(let a): count = a.count
            case .array: return nil
            default: count = 1
            }
            var position = clampInt(index.rounded(.down))
            if position < 0 { position += count }
            guard position >= 0, position < count else { return .some(nil) }
            if case .jarray(let a) = next {
                let element = a[position]
                if case .array = element { return nil }
                current = Value(element)
            } else {
                current = next
            }
        }
        return .some(current)
    }

    func evalPath(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        if node.group == nil, !node.keepSingletonArray, node.steps.count > 1 || node.steps[0].kind == .name,
           let fast = simplePath(node, input) {
            // Each step of the slow path would have entered the guard once.
            return fast
        }
        // `[Value]` throughout: converting to `[Value?]` costs a dynamic cast per element.
        // An undefined input is a one-element sequence holding undefined, as in the reference.
        var inputSequence: [Value]
        var undefinedContext = false
        if let input, input.isArray, node.steps[0].kind != .variable {
            inputSequence = input.arrayItems!
        } else if let input {
            inputSequence = [input]
        } else {
            inputSequence = []
            undefinedContext = true
        }
        var resultSequence: Seq? = nil
        var isTupleStream = false
        var tupleBindings: [Obj]? = nil
        for (i, step) in node.steps.enumerated() {
            if step.tuple { isTupleStream = true }
            if i == 0 && step.consarray {
                let context: Value? = (input?.isArray ?? false) && node.steps[0].kind != .variable ? input : .array(Seq(inputSequence, sequence: true))
                let r = try eval(step, context, env)
                resultSequence = asSequence(r)
            } else if isTupleStream {
                tupleBindings = try tupleStep(step, inputSequence, undefinedContext, tupleBindings, env)
            } else {
                resultSequence = try evalStep(step, inputSequence, undefinedContext, env, lastStep: i == node.steps.count - 1)
            }
            undefinedContext = false
            if !isTupleStream, resultSequence == nil || resultSequence!.items.isEmpty { break }
            if step.focus == nil {
                if isTupleStream {
                    inputSequence = (tupleBindings ?? []).compactMap { $0.members["@"] }
                } else {
                    inputSequence = resultSequence!.items
                }
            }
        }
        var output: Value?
        if isTupleStream {
            if node.tuple {
                let s = Seq((tupleBindings ?? []).map { .object($0) }, sequence: true)
                s.tupleStream = true
                output = .array(s)
            } else {
                output = .array(Seq((tupleBindings ?? []).compactMap { $0.members["@"] }, sequence: true))
            }
        } else {
            output = resultSequence.map { .array($0) }
        }
        if node.keepSingletonArray {
            if case .array(let s)? = output, s.cons, !s.isSequence {
                output = .array(Seq([.array(s)], sequence: true))
            }
            if case .array(let s)? = output { s.keepSingleton = true }
            else if let o = output {
                let s = Seq([o], sequence: true)
                s.keepSingleton = true
                output = .array(s)
            }
        }
        if let group = node.group {
            if isTupleStream {
                let s = Seq((tupleBindings ?? []).map { .object($0) }, sequence: true)
                s.tupleStream = true
                output = try evalGroup(group, .array(s), env)
            } else {
                output = try evalGroup(group, output, env)
            }
        }
        return output
    }

    /// The result of a step as a sequence (wrapping a single value, dropping undefined).
    private func asSequence(_ value: Value?) -> Seq? {
        guard let value else { return nil }
        if case .array(let s) = value {
            if s.isSequence { return s }
            return Seq(s.items, sequence: true)
        }
        if case .jarray(let a) = value { return Seq(a.map(Value.init), sequence: true) }
        return Seq([value], sequence: true)
    }

    private func evalStep(_ step: Node, _ input: [Value], _ undefinedContext: Bool, _ env: Frame, lastStep: Bool) throws -> Seq? {
        if step.kind == .sort {
            var result = try sort(step, input, tuples: nil, env)
            if let stages = step.stages { result = try applyStages(stages, result, env) }
            return result
        }
        var results: [Value] = []
        results.reserveCapacity(input.count)
        for index in 0..<(undefinedContext ? 1 : input.count) {
            var res = try eval(step, undefinedContext ? nil : input[index], env)
            if let stages = step.stages {
                for case .filter(let p, _) in stages { res = try filter(p, res, env) }
            }
            if let res { results.append(res) }
        }
        if lastStep, results.count == 1 {
            switch results[0] {
            case .array(let s) where !s.isSequence: return s
            case .jarray(let a): return Seq(a.map(Value.init), sequence: false)
            default: break
            }
        }
        let out = Seq.sequence()
        out.items.reserveCapacity(results.count)
        for res in results {
            switch res {
            case .array(let s):
                if s.cons { out.items.append(res) } else { out.items.append(contentsOf: s.items) }
            case .jarray(let a):
                for j in a { out.items.append(Value(j)) }
            default:
                out.items.append(res)
            }
        }
        return out
    }

    // MARK: - Tuple streams (`@`, `#`, `%`)

    private func frame(from tuple: Obj, _ env: Frame) -> Frame {
        let frame = Frame(parent: env)
        for (k, v) in tuple.members { frame.bind(k, v) }
        return frame
    }

    private func tupleStep(_ step: Node, _ input: [Value], _ undefinedContext: Bool, _ bindings: [Obj]?, _ env: Frame) throws -> [Obj] {
        if step.kind == .sort {
            var result: Seq
            if let bindings {
                result = try sort(step, [], tuples: bindings, env)
            } else {
                let sorted = try sort(step, input, tuples: nil, env)
                result = Seq.sequence()
                result.tupleStream = true
                for (i, v) in sorted.items.enumerated() {
                    let t = Obj(["@": v])
                    if let index = step.index { t.members[index] = .number(Double(i)) }
                    result.items.append(.object(t))
                }
            }
            if let stages = step.stages { result = try applyStages(stages, result, env) }
            return result.items.compactMap { if case .object(let o) = $0 { return o }; return nil }
        }
        let tuples = bindings ?? (undefinedContext ? [Obj()] : input.map { Obj(["@": $0]) })
        var result: [Obj] = []
        for tuple in tuples {
            let stepEnv = frame(from: tuple, env)
            guard let res = try eval(step, tuple.members["@"], stepEnv) else { continue }
            let items: [Value]
            var isTuples = false
            if case .array(let s) = res {
                items = s.items
                isTuples = s.tupleStream
            } else if case .jarray(let a) = res {
                items = a.map(Value.init)
            } else {
                items = [res]
            }
            for (bb, item) in items.enumerated() {
                let t = Obj(tuple.members)
                if isTuples, case .object(let o) = item {
                    for (k, v) in o.members { t.members[k] = v }
                } else {
                    if let focus = step.focus {
                        t.members[focus] = item
                        t.members["@"] = tuple.members["@"]
                    } else {
                        t.members["@"] = item
                    }
                    if let index = step.index { t.members[index] = .number(Double(bb)) }
                    if let ancestor = step.ancestor { t.members[ancestor.label] = tuple.members["@"] }
                }
                result.append(t)
            }
        }
        if let stages = step.stages {
            let s = Seq(result.map { .object($0) }, sequence: true)
            s.tupleStream = true
            return try applyStages(stages, s, env).items.compactMap { if case .object(let o) = $0 { return o }; return nil }
        }
        return result
    }

    private func applyStages(_ stages: [Stage], _ input: Seq, _ env: Frame) throws -> Seq {
        var result = input
        for stage in stages {
            switch stage {
            case .filter(let p, _):
                let filtered = try filter(p, .array(result), env)
                result = asSequence(filtered) ?? Seq.sequence()
                if input.tupleStream { result.tupleStream = true }
            case .index(let name):
                for (i, item) in result.items.enumerated() {
                    if case .object(let t) = item { t.members[name] = .number(Double(i)) }
                }
            }
        }
        return result
    }

    // MARK: - Predicates

    func filter(_ predicate: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        let results = Seq.sequence()
        var items: [Value]
        var tupleStream = false
        switch input {
        case .array(let s)?:
            items = s.items
            tupleStream = s.tupleStream
        case .jarray(let a)?: items = a.map(Value.init)
        case let v?: items = [v]
        case nil: items = []
        }
        results.tupleStream = tupleStream
        if predicate.kind == .number, case .number(let n)? = predicate.literal {
            var index = clampInt(n.rounded(.down))
            if index < 0 { index += items.count }
            if index >= 0 && index < items.count {
                let item = items[index]
                switch item {
                case .array(let s): return .array(s)
                case .jarray: return item
                default: results.items.append(item)
                }
            }
            return .array(results)
        }
        for (index, item) in items.enumerated() {
            var context: Value? = item
            var frame = env
            if tupleStream, case .object(let t) = item {
                context = t.members["@"]
                frame = self.frame(from: t, env)
            }
            let res = try eval(predicate, context, frame)
            if case .number(let n)? = res {
                var i = clampInt(n.rounded(.down))
                if i < 0 { i += items.count }
                if i == index { results.items.append(item) }
            } else if let res, let numbers = numberArray(res) {
                for n in numbers {
                    var i = clampInt(n.rounded(.down))
                    if i < 0 { i += items.count }
                    if i == index { results.items.append(item) }
                }
            } else if boolean(res) == true {
                results.items.append(item)
            }
        }
        return .array(results)
    }

    private func numberArray(_ v: Value) -> [Double]? {
        guard let items = v.arrayItems, !items.isEmpty else { return nil }
        var out: [Double] = []
        for item in items {
            guard case .number(let n) = item else { return nil }
            out.append(n)
        }
        return out
    }

    // MARK: - Navigation

    func lookup(_ input: Value?, _ key: String) -> Value? {
        guard let input else { return nil }
        switch input {
        case .jobject(let o): return o[key].map(Value.init)
        case .object(let o): return o.members[key]
        case .array, .jarray:
            let result = Seq.sequence()
            for item in input.arrayItems! {
                guard let res = lookup(item, key) else { continue }
                switch res {
                case .array(let s): result.items.append(contentsOf: s.items)
                case .jarray(let a): for j in a { result.items.append(Value(j)) }
                default: result.items.append(res)
                }
            }
            return .array(result)
        default: return nil
        }
    }

    private func wildcard(_ inputIn: Value?) -> Value? {
        let results = Seq.sequence()
        var input = inputIn
        if case .array(let s)? = input, s.outerWrapper, !s.items.isEmpty { input = s.items[0] }
        guard let input else { return .array(results) }
        let values: [Value]
        if let members = input.objectMembers {
            values = members.map(\.1)
        } else if let items = input.arrayItems {
            values = items
        } else {
            return .array(results)
        }
        for value in values {
            if value.isArray {
                flatten(value, into: &results.items)
            } else {
                results.items.append(value)
            }
        }
        return .array(results)
    }

    func flatten(_ value: Value, into out: inout [Value]) {
        if let items = value.arrayItems {
            for item in items { flatten(item, into: &out) }
        } else {
            out.append(value)
        }
    }

    private func descendants(_ input: Value?) -> Value? {
        guard let input else { return nil }
        var out: [Value] = []
        recurseDescendants(input, &out)
        if out.count == 1 { return out[0] }
        return .array(Seq(out, sequence: true))
    }

    private func recurseDescendants(_ input: Value, _ out: inout [Value]) {
        if let items = input.arrayItems {
            for item in items { recurseDescendants(item, &out) }
            return
        }
        out.append(input)
        if let members = input.objectMembers {
            for (_, v) in members { recurseDescendants(v, &out) }
        }
    }
}

extension Seq {
    func withCons(_ flag: Bool) -> Seq {
        cons = flag
        return self
    }
}

/// JSONata's truthiness (`$boolean`): `nil` for undefined.
func boolean(_ value: Value?) -> Bool? {
    guard let value else { return nil }
    switch value {
    case .null: return false
    case .bool(let b): return b
    case .number(let n): return n != 0 && !n.isNaN
    case .string(let s): return !s.isEmpty
    case .function: return false
    case .jobject(let o): return !o.isEmpty
    case .object(let o): return !o.members.isEmpty
    case .jarray, .array:
        let items = value.arrayItems!
        if items.count == 1 { return boolean(items[0]) }
        return items.contains { boolean($0) == true }
    }
}

extension Node {
    /// A path step that only names a member: no predicate, grouping, tuple binding or
    /// singleton array (stages, such as `[0]`, are the caller's to check).
    fileprivate var isPlainName: Bool {
        kind == .name && predicate == nil && group == nil && !tuple && !keepArray && focus == nil && index == nil
    }
}
