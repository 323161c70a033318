/// A lexical scope: variables bound by `:=`, lambda parameters, tuple bindings.
final class Frame {
    /// `undefined` is stored too: binding a name to undefined hides an outer binding, as
    /// `( $x := 1; ( $x := nothing; $x ) )` shows in the reference. Scopes hold a handful of
    /// names (lambda parameters, block variables), so a list scanned linearly is cheaper to
    /// create and search than a hash table.
    private var bindings: [(name: String, value: Value?)] = []
    let parent: Frame?

    init(parent: Frame?) { self.parent = parent }

    func bind(_ name: String, _ value: Value?) {
        for i in bindings.indices where bindings[i].name == name {
            bindings[i].value = value
            return
        }
        bindings.append((name, value))
    }

    func lookup(_ name: String) -> Value? {
        var frame: Frame? = self
        while let f = frame {
            for entry in f.bindings where entry.name == name { return entry.value }
            frame = f.parent
        }
        return Builtins.table[name].map { .function($0) }
    }
}

/// A function value: a lambda closure, a built-in, or one derived from those by partial
/// application or `~>` composition; regex literals and transforms are functions too.
final class Fn: @unchecked Sendable {
    enum Kind {
        case lambda(node: Node, env: Frame, input: Value?, params: [String])
        case native(Builtin)
        case partial(Fn, [Value?], [Bool])
        case compose(Fn, Fn)
        case regex(RegexLiteral)
        case transform(Node, Frame)
    }

    let kind: Kind
    let signature: Signature?

    init(_ kind: Kind, signature: Signature? = nil) {
        self.kind = kind
        self.signature = signature
    }

    /// How many arguments the function declares; higher-order functions pass the index and
    /// the array only to callbacks that ask for them.
    var arity: Int {
        switch kind {
        case .lambda(_, _, _, let params): return params.count
        case .native(let b): return b.arity
        case .partial(_, _, let holes): return holes.filter { $0 }.count
        case .compose: return 1
        case .regex: return 1
        case .transform: return 1
        }
    }

    var isThunk: Bool {
        if case .lambda(let node, _, _, _) = kind { return node.thunk }
        return false
    }
}

/// A built-in library function.
struct Builtin: Sendable {
    typealias Implementation = @Sendable (Evaluator, [Value?], _ input: Value?, Frame) throws -> Value?
    let name: String
    let arity: Int
    let implementation: Implementation
}
