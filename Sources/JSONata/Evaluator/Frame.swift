/// A lexical scope: variables bound by `:=`, lambda parameters, tuple bindings.
final class Frame {
    /// A name and its value. `undefined` is stored too: binding a name to undefined hides an
    /// outer binding, as `( $x := 1; ( $x := nothing; $x ) )` shows in the reference.
    private struct Binding {
        let name: String
        var value: Value?
    }

    // Scopes hold a handful of names (lambda parameters, block variables), so they are
    // searched linearly, and the first two live in the frame itself: most scopes are a
    // callback's `$v, $k`, and a list of their own was an allocation per call. Nothing reads
    // these while they are being changed, so they skip the run-time exclusivity checks.
    @exclusivity(unchecked) private var first: Binding?
    @exclusivity(unchecked) private var second: Binding?
    @exclusivity(unchecked) private var more: [Binding] = []
    let parent: Frame?

    init(parent: Frame?) { self.parent = parent }

    /// A lambda's scope: its parameters bound to the arguments given, the missing ones to
    /// undefined.
    init(parent: Frame, parameters: [String], arguments: [Value?]) {
        self.parent = parent
        for (index, name) in parameters.enumerated() where index < arguments.count {
            bind(name, arguments[index])
        }
    }

    func bind(_ name: String, _ value: Value?) {
        if first?.name == name {
            first!.value = value
        } else if second?.name == name {
            second!.value = value
        } else if let index = more.firstIndex(where: { $0.name == name }) {
            more[index].value = value
        } else if first == nil {
            first = Binding(name: name, value: value)
        } else if second == nil {
            second = Binding(name: name, value: value)
        } else {
            more.append(Binding(name: name, value: value))
        }
    }

    func lookup(_ name: String) -> Value? {
        var frame: Frame? = self
        while let f = frame {
            if let binding = f.first, binding.name == name { return binding.value }
            if let binding = f.second, binding.name == name { return binding.value }
            for binding in f.more where binding.name == name { return binding.value }
            frame = f.parent
        }
        return Builtins.table[name].map { .function($0) }
    }
}

/// A function value: a lambda closure, a built-in, or one derived from those by partial
/// application or `~>` composition; regex literals and transforms are functions too.
final class Fn: @unchecked Sendable {
    enum Kind {
        case lambda(Lambda)
        case native(Builtin)
        case partial(Fn, [Value?], [Bool])
        case compose(Fn, Fn)
        case regex(RegexLiteral)
        case transform(Node, Frame)
    }

    let kind: Kind
    let signature: Signature?
    /// How many arguments the function declares; higher-order functions pass the index and
    /// the array only to callbacks that ask for them. Stored: callbacks ask on every call.
    let arity: Int
    /// A lambda whose body is a tail call, run by `Evaluator.apply`'s loop.
    let isThunk: Bool

    init(_ kind: Kind, signature: Signature? = nil) {
        self.kind = kind
        self.signature = signature
        switch kind {
        case .lambda(let lambda):
            arity = lambda.params.count
            isThunk = lambda.node.thunk
        case .native(let b):
            arity = b.arity
            isThunk = false
        case .partial(_, _, let holes):
            arity = holes.filter { $0 }.count
            isThunk = false
        case .compose, .regex, .transform:
            arity = 1
            isThunk = false
        }
    }
}

/// A lambda closed over its scope and the context it was defined in. A class, so that taking
/// it out of a function value on every call is one reference, not four.
final class Lambda: @unchecked Sendable {
    let node: Node
    let env: Frame
    let input: Value?
    let params: [String]

    init(node: Node, env: Frame, input: Value?, params: [String]) {
        self.node = node
        self.env = env
        self.input = input
        self.params = params
    }
}

/// A built-in library function.
struct Builtin: Sendable {
    typealias Implementation = @Sendable (Evaluator, [Value?], _ input: Value?, Frame) throws -> Value?
    let name: String
    let arity: Int
    let implementation: Implementation
}
