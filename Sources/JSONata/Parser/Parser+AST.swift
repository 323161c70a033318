/// Post-processing of the raw parse tree into the shape the evaluator walks: `.` chains become
/// paths of steps, predicates become filter stages, `@`/`#` become tuple bindings on steps,
/// `%` is resolved to the step it refers to, and tail calls are wrapped in thunks.
extension Parser {
    mutating func process(_ expr: Node) throws -> Node {
        var result: Node
        switch expr.kind {
        case .binary:
            result = try processBinary(expr)
        case .unary:
            result = Node(.unary, expr.value, position: expr.position)
            if expr.value == "[" {
                for item in expr.expressions {
                    let value = try process(item)
                    pushAncestry(result, value)
                    result.expressions.append(value)
                }
                let literals = result.expressions.compactMap { e -> Value? in
                    switch e.kind {
                    case .string, .number, .value: return e.keepArray || e.predicate != nil || e.group != nil ? nil : e.literal
                    default: return nil
                    }
                }
                if literals.count == result.expressions.count && !expr.keepArray { result.constantItems = literals }
            } else if expr.value == "{" {
                for (k, v) in expr.pairs {
                    let key = try process(k)
                    pushAncestry(result, key)
                    let value = try process(v)
                    pushAncestry(result, value)
                    result.pairs.append((key, value))
                }
                let keys = result.pairs.compactMap { pair -> String? in
                    guard pair.0.kind == .string, pair.0.predicate == nil, pair.0.group == nil, !pair.0.keepArray,
                          case .string(let k)? = pair.0.literal else { return nil }
                    return k
                }
                if keys.count == result.pairs.count, Set(keys).count == keys.count { result.constantKeys = keys }
            } else {
                let operand = try process(expr.expression!)
                if expr.value == "-", operand.kind == .number, case .number(let n)? = operand.literal {
                    // A new node: the raw tree may share this operand (`?:` reuses its left side).
                    result = Node(.number, operand.value, position: operand.position)
                    result.literal = .number(-n)
                } else {
                    result.expression = operand
                    pushAncestry(result, operand)
                }
            }
        case .function, .partial:
            result = Node(expr.kind, expr.value, position: expr.position)
            for arg in expr.arguments {
                let a = try process(arg)
                pushAncestry(result, a)
                result.arguments.append(a)
            }
            result.procedure = try process(expr.procedure!)
            if let procedure = result.procedure, procedure.kind == .variable, procedure.value == "formatNumber",
               result.arguments.count == 2, result.arguments[1].kind == .string, case .string(let picture)? = result.arguments[1].literal {
                // An invalid picture is left for evaluation to report, with its code.
                result.numberPicture = try? NumberPicture.compile(picture: picture, options: nil)
            }
        case .lambda:
            result = Node(.lambda, expr.value, position: expr.position)
            result.params = expr.params
            result.signature = expr.signature
            result.body = tailCallOptimize(try process(expr.body!))
        case .condition:
            result = Node(.condition, expr.value, position: expr.position)
            result.condition = try process(expr.condition!)
            pushAncestry(result, result.condition!)
            result.then = try process(expr.then!)
            pushAncestry(result, result.then!)
            if let otherwise = expr.otherwise {
                result.otherwise = try process(otherwise)
                pushAncestry(result, result.otherwise!)
            }
        case .transform:
            result = Node(.transform, expr.value, position: expr.position)
            result.pattern = try process(expr.pattern!)
            result.update = try process(expr.update!)
            if let d = expr.delete { result.delete = try process(d) }
        case .block:
            result = Node(.block, expr.value, position: expr.position)
            for item in expr.expressions {
                let part = try process(item)
                pushAncestry(result, part)
                if part.consarray || (part.kind == .path && part.steps[0].consarray) { result.consarray = true }
                result.expressions.append(part)
            }
            result.blockNeedsFrame = result.expressions.contains { Self.containsBind($0) }
        case .name:
            result = Node(.path, "", position: expr.position)
            result.steps = [expr]
            if expr.keepArray { result.keepSingletonArray = true }
        case .parent:
            result = Node(.parent, "%", position: expr.position)
            result.slot = Slot(label: "!\(ancestorLabel)", level: 1, index: ancestorIndex)
            ancestorLabel += 1
            ancestorIndex += 1
            ancestry.append(result)
        case .string, .number, .value, .wildcard, .descendant, .variable, .regex:
            result = expr
        case .op:
            if expr.value == "and" || expr.value == "or" || expr.value == "in" {
                expr.kind = .name
                result = try process(expr)
            } else if expr.value == "?" {
                result = expr
            } else {
                throw EvalError("S0201", position: expr.position, token: expr.value)
            }
        case .end:
            throw EvalError("S0207", position: expr.position, token: "(end)")
        default:
            throw EvalError("S0206", position: expr.position, token: expr.value)
        }
        if expr.keepArray { result.keepArray = true }
        return result
    }

    private mutating func processBinary(_ expr: Node) throws -> Node {
        switch expr.value {
        case ".":
            let lstep = try process(expr.lhs!)
            let result: Node
            if lstep.kind == .path {
                result = lstep
            } else {
                result = Node(.path, "", position: expr.position)
                result.steps = [lstep]
            }
            if lstep.kind == .parent { result.seekingParent = [lstep.slot!] }
            let rest = try process(expr.rhs!)
            if rest.kind == .path {
                result.steps.append(contentsOf: rest.steps)
            } else {
                if let p = rest.predicate {
                    rest.stages = p
                    rest.predicate = nil
                }
                result.steps.append(rest)
            }
            for step in result.steps {
                if step.kind == .number || step.kind == .value {
                    throw EvalError("S0213", position: step.position, value: step.literal)
                }
                if step.kind == .string { step.kind = .name }
            }
            if result.steps.contains(where: { $0.keepArray }) { result.keepSingletonArray = true }
            let first = result.steps[0]
            if first.kind == .unary && first.value == "[" { first.consarray = true }
            let last = result.steps[result.steps.count - 1]
            if last.kind == .unary && last.value == "[" { last.consarray = true }
            try resolveAncestry(result)
            return result
        case "[":
            var result = try process(expr.lhs!)
            var step = result
            var usesStages = false
            if result.kind == .path {
                step = result.steps[result.steps.count - 1]
                usesStages = true
            }
            if step.group != nil { throw EvalError("S0209", position: expr.position) }
            let predicate = try process(expr.rhs!)
            if let seeking = predicate.seekingParent {
                for slot in seeking {
                    if slot.level == 1 {
                        _ = try seekParent(step, slot)
                    } else {
                        slot.level -= 1
                    }
                }
                pushAncestry(step, predicate)
            }
            let stage = Stage.filter(predicate, position: expr.position)
            if usesStages {
                step.stages = (step.stages ?? []) + [stage]
            } else {
                step.predicate = (step.predicate ?? []) + [stage]
            }
            result = result.kind == .path ? result : step
            return result
        case "{":
            let result = try process(expr.lhs!)
            if result.group != nil { throw EvalError("S0210", position: expr.position) }
            var pairs: [(Node, Node)] = []
            for (k, v) in expr.pairs { pairs.append((try process(k), try process(v))) }
            result.group = Group(pairs: pairs, position: expr.position)
            return result
        case "^":
            var result = try process(expr.lhs!)
            if result.kind != .path {
                let path = Node(.path, "", position: expr.position)
                path.steps = [result]
                result = path
            }
            let sortStep = Node(.sort, "^", position: expr.position)
            for term in expr.terms {
                let e = try process(term.expression)
                pushAncestry(sortStep, e)
                sortStep.terms.append(SortTerm(descending: term.descending, expression: e))
            }
            result.steps.append(sortStep)
            try resolveAncestry(result)
            return result
        case ":=":
            let result = Node(.bind, ":=", position: expr.position)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            pushAncestry(result, result.rhs!)
            return result
        case "@":
            var result = try process(expr.lhs!)
            var step = result
            if result.kind == .path { step = result.steps[result.steps.count - 1] }
            if step.stages != nil || step.predicate != nil { throw EvalError("S0215", position: expr.position) }
            if step.kind == .sort { throw EvalError("S0216", position: expr.position) }
            if expr.keepArray { step.keepArray = true }
            step.focus = expr.rhs!.value
            step.tuple = true
            result = result.kind == .path ? result : step
            return result
        case "#":
            var result = try process(expr.lhs!)
            var step = result
            if result.kind == .path {
                step = result.steps[result.steps.count - 1]
            } else {
                let path = Node(.path, "", position: expr.position)
                path.steps = [result]
                result = path
                if let p = step.predicate {
                    step.stages = p
                    step.predicate = nil
                }
            }
            if step.stages == nil {
                step.index = expr.rhs!.value
            } else {
                step.stages!.append(.index(expr.rhs!.value))
            }
            step.tuple = true
            return result
        case "~>":
            let result = Node(.apply, "~>", position: expr.position)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            result.keepArray = result.lhs!.keepArray || result.rhs!.keepArray
            return result
        default:
            let result = Node(.binary, expr.value, position: expr.position)
            result.binaryOp = BinaryOp(rawValue: expr.value)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            pushAncestry(result, result.lhs!)
            pushAncestry(result, result.rhs!)
            return result
        }
    }

    /// Whether a `:=` appears anywhere below `node` (conservatively, including nested scopes).
    static func containsBind(_ node: Node) -> Bool {
        if node.kind == .bind { return true }
        var children: [Node] = node.steps + node.expressions + node.arguments
        children += node.pairs.flatMap { [$0.0, $0.1] }
        children += node.terms.map(\.expression)
        children += [node.lhs, node.rhs, node.expression, node.procedure, node.body, node.condition, node.then,
                     node.otherwise, node.pattern, node.update, node.delete].compactMap { $0 }
        for stage in (node.predicate ?? []) + (node.stages ?? []) {
            if case .filter(let p, _) = stage { children.append(p) }
        }
        if let group = node.group { children += group.pairs.flatMap { [$0.0, $0.1] } }
        return children.contains { containsBind($0) }
    }

    private func tailCallOptimize(_ expr: Node) -> Node {
        switch expr.kind {
        case .function where expr.predicate == nil:
            let thunk = Node(.lambda, "", position: expr.position)
            thunk.thunk = true
            thunk.body = expr
            return thunk
        case .condition:
            expr.then = tailCallOptimize(expr.then!)
            if let o = expr.otherwise { expr.otherwise = tailCallOptimize(o) }
            return expr
        case .block:
            if let last = expr.expressions.last {
                expr.expressions[expr.expressions.count - 1] = tailCallOptimize(last)
            }
            return expr
        default:
            return expr
        }
    }

    private func seekParent(_ node: Node, _ slotIn: Slot) throws -> Slot {
        var slot = slotIn
        switch node.kind {
        case .name, .wildcard:
            slot.level -= 1
            if slot.level == 0 {
                if let existing = node.ancestor {
                    ancestry[slot.index].slot!.label = existing.label
                    node.ancestor = slot
                } else {
                    node.ancestor = slot
                }
                node.tuple = true
            }
        case .parent:
            slot.level += 1
        case .block:
            if let last = node.expressions.last {
                node.tuple = true
                slot = try seekParent(last, slot)
            }
        case .path:
            node.tuple = true
            var index = node.steps.count - 1
            slot = try seekParent(node.steps[index], slot)
            index -= 1
            while slot.level > 0 && index >= 0 {
                slot = try seekParent(node.steps[index], slot)
                index -= 1
            }
        default:
            throw EvalError("S0217", position: node.position, token: "\(node.kind)")
        }
        return slot
    }

    private func pushAncestry(_ result: Node, _ value: Node) {
        guard value.seekingParent != nil || value.kind == .parent else { return }
        var slots = value.seekingParent ?? []
        if value.kind == .parent { slots.append(value.slot!) }
        result.seekingParent = (result.seekingParent ?? []) + slots
    }

    private func resolveAncestry(_ path: Node) throws {
        let last = path.steps[path.steps.count - 1]
        var slots = last.seekingParent ?? []
        if last.kind == .parent { slots.append(last.slot!) }
        for s in slots {
            var slot = s
            var index = path.steps.count - 2
            while slot.level > 0 {
                if index < 0 {
                    path.seekingParent = (path.seekingParent ?? []) + [slot]
                    break
                }
                var step = path.steps[index]
                index -= 1
                while index >= 0 && step.focus != nil && path.steps[index].focus != nil {
                    step = path.steps[index]
                    index -= 1
                }
                slot = try seekParent(step, slot)
            }
        }
    }
}
