import Foundation

extension Evaluator {
    private func procedureName(_ node: Node) -> String {
        if node.kind == .path, let first = node.steps.first { return first.value }
        return node.value
    }

    func evalFunction(_ node: Node, _ input: Value?, _ env: Frame, applyTo: Value??) throws -> Value? {
        let procedure = node.procedure!
        let proc = try eval(procedure, input, env)
        if proc == nil, procedure.kind == .path, env.lookup(procedure.steps[0].value) != nil {
            throw EvalError("T1005", position: node.position, token: procedure.steps[0].value)
        }
        if let picture = node.numberPicture, applyTo == nil, case .function(let f)? = proc, f === Builtins.formatNumber,
           case .number(let n)? = try eval(node.arguments[0], input, env) {
            return .string(picture.format(n))
        }
        var args: [Value?] = []
        args.reserveCapacity(node.arguments.count + 1)
        if let applyTo { args.append(applyTo) }
        for arg in node.arguments { args.append(try eval(arg, input, env)) }
        do {
            return try apply(proc, args, input, env)
        } catch var error as EvalError {
            if error.position == nil { error.position = node.position }
            if error.token == nil { error.token = procedureName(procedure) }
            throw error
        }
    }

    /// Applies a function value, running tail calls in a loop (the reference's trampoline) so
    /// that tail recursion uses neither depth nor stack.
    func apply(_ proc: Value?, _ args: [Value?], _ input: Value?, _ env: Frame) throws -> Value? {
        var result = try applyInner(proc, args, input, env)
        while case .function(let f)? = result, f.isThunk, case .lambda(let lambda) = f.kind {
            let (call, fenv, finput) = (lambda.node.body!, lambda.env, lambda.input)
            let next = try eval(call.procedure!, finput, fenv)
            var evaluated: [Value?] = []
            evaluated.reserveCapacity(call.arguments.count)
            for arg in call.arguments { evaluated.append(try eval(arg, finput, fenv)) }
            do {
                result = try applyInner(next, evaluated, finput, fenv)
            } catch var error as EvalError {
                if error.position == nil { error.position = call.position }
                if error.token == nil { error.token = procedureName(call.procedure!) }
                throw error
            }
        }
        return result
    }

    func applyInner(_ proc: Value?, _ args: [Value?], _ input: Value?, _ env: Frame) throws -> Value? {
        guard case .function(let f)? = proc else {
            throw EvalError("T1006", value: proc)
        }
        var validated = args
        if let signature = f.signature {
            validated = try signature.validate(args, context: input)
        }
        switch f.kind {
        case .lambda(let lambda):
            let frame = Frame(parent: lambda.env, parameters: lambda.params, arguments: validated)
            return try eval(lambda.node.body!, lambda.input, frame)
        case .native(let builtin):
            return try builtin.implementation(self, validated, input, env)
        case .partial(let target, let bound, let holes):
            var full = bound
            var next = 0
            for i in full.indices where holes[i] {
                full[i] = next < validated.count ? validated[next] : nil
                next += 1
            }
            return try applyInner(.function(target), full, input, env)
        case .compose(let first, let second):
            let intermediate = try apply(.function(first), validated, nil, env)
            return try apply(.function(second), [intermediate], nil, env)
        case .regex(let regex):
            guard case .string(let s)? = validated.first else { return nil }
            return RegexSupport.matchObject(regex, s, from: 0)
        case .transform(let node, let tenv):
            return try transform(node, validated.first ?? nil, tenv)
        }
    }

    func evalPartial(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        var bound: [Value?] = []
        var holes: [Bool] = []
        for arg in node.arguments {
            if arg.kind == .op && arg.value == "?" {
                bound.append(nil)
                holes.append(true)
            } else {
                bound.append(try eval(arg, input, env))
                holes.append(false)
            }
        }
        let procedure = node.procedure!
        let proc = try eval(procedure, input, env)
        if proc == nil, procedure.kind == .path, env.lookup(procedure.steps[0].value) != nil {
            throw EvalError("T1007", position: node.position, token: procedure.steps[0].value)
        }
        guard case .function(let f)? = proc else {
            throw EvalError("T1008", position: node.position, token: procedureName(procedure))
        }
        if case .lambda(let lambda) = f.kind {
            let frame = Frame(parent: lambda.env)
            var unbound: [String] = []
            for (i, name) in lambda.params.enumerated() {
                if i < holes.count, holes[i] {
                    unbound.append(name)
                } else {
                    frame.bind(name, i < bound.count ? bound[i] : nil)
                }
            }
            return .function(Fn(.lambda(Lambda(node: lambda.node, env: frame, input: lambda.input, params: unbound))))
        }
        // Parameters beyond those written are bound to undefined, not left open.
        while holes.count < f.arity {
            holes.append(false)
            bound.append(nil)
        }
        return .function(Fn(.partial(f, bound, holes)))
    }

    func evalApply(_ node: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        let lhs = try eval(node.lhs!, input, env)
        let rhs = node.rhs!
        if rhs.kind == .function {
            return try evalFunction(rhs, input, env, applyTo: .some(lhs))
        }
        let function = try eval(rhs, input, env)
        guard case .function(let g)? = function else {
            throw EvalError("T2006", position: node.position, value: function)
        }
        if case .function(let f)? = lhs {
            return .function(Fn(.compose(f, g)))
        }
        return try apply(function, [lhs], nil, env)
    }

    func transform(_ node: Node, _ object: Value?, _ env: Frame) throws -> Value? {
        guard let object else { return nil }
        let cloneFunction = env.lookup("clone")
        guard case .function? = cloneFunction else {
            throw EvalError("T2013", position: node.position)
        }
        let result = try apply(cloneFunction, [object], nil, env)
        guard let matches = try eval(node.pattern!, result, env) else { return result }
        let targets = matches.arrayItems ?? [matches]
        for match in targets {
            let update = try eval(node.update!, match, env)
            if let update {
                guard case .object(let members) = update.owned else {
                    throw EvalError("T2011", position: node.update!.position, value: update)
                }
                if case .object(let target) = match {
                    for (k, v) in members.members { target.members[k] = v }
                }
            }
            if let deleteNode = node.delete, let deletions = try eval(deleteNode, match, env) {
                let names = deletions.arrayItems ?? [deletions]
                var keys: [String] = []
                for name in names {
                    guard case .string(let k) = name else {
                        throw EvalError("T2012", position: deleteNode.position, value: deletions)
                    }
                    keys.append(k)
                }
                if case .object(let target) = match {
                    for k in keys { target.members.removeValue(forKey: k) }
                }
            }
        }
        return result
    }
}

extension Value {
    /// An object value as an evaluator-owned `Obj` (wrapping input objects one level).
    var owned: Value {
        if case .jobject(let o) = self {
            var m = Obj().members
            for (k, v) in o { m[k] = Value(v) }
            return .object(Obj(m))
        }
        return self
    }
}
