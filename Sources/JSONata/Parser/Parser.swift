/// Top-down operator-precedence parser (the same grammar and binding powers as jsonata-js),
/// followed by the reference's tree post-processing (`Parser+AST.swift`).
struct Parser {
    private var lexer: Tokenizer
    private var current: Token
    private let length: Int
    var ancestorLabel = 0
    var ancestorIndex = 0
    var ancestry: [Node] = []

    static let infixOperators: Set<String> = [
        ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>",
        "@", "#", "(", "[", "{", "^", ":=", "?", "?:", "??",
    ]

    static func parse(_ source: String) throws -> Node {
        do {
            return try parseTree(source)
        } catch let error as EvalError {
            throw error.publicError
        }
    }

    /// Parses, throwing the engine's internal error (for `$eval`).
    static func parseTree(_ source: String) throws -> Node {
        do {
            var parser = Parser(source)
            try parser.advance()
            let tree = try parser.expression(0)
            if parser.current.kind != .end {
                throw EvalError("S0201", position: parser.current.position, token: parser.current.text)
            }
            let processed = try parser.process(tree)
            if processed.kind == .parent || processed.seekingParent != nil {
                // The reference names the node type and has no position for the parent and
                // path nodes its post-processing builds.
                let built = processed.kind == .parent || processed.kind == .path
                throw EvalError("S0217", position: built ? nil : processed.position, token: "\(processed.kind)")
            }
            return processed
        }
    }

    private init(_ source: String) {
        lexer = Tokenizer(source)
        length = lexer.chars.count
        current = Token(kind: .end, text: "(end)", position: 0)
    }

    private var currentID: String {
        switch current.kind {
        case .op: return current.text
        case .name, .variable: return "(name)"
        case .string, .number, .value: return "(literal)"
        case .regex: return "(regex)"
        case .end: return "(end)"
        }
    }

    private var currentLBP: Int {
        guard current.kind == .op, Self.infixOperators.contains(current.text) else { return 0 }
        return Tokenizer.operators[current.text] ?? 0
    }

    private func isOp(_ text: String) -> Bool { current.kind == .op && current.text == text }

    private mutating func advance(_ id: String? = nil, infix: Bool = false) throws {
        if let id, currentID != id {
            throw EvalError(current.kind == .end ? "S0203" : "S0202", position: current.position, token: current.text, value: .string(id))
        }
        if let token = try lexer.next(infix: infix) {
            if token.kind == .op, token.text == "!" || token.text == "~" {
                throw EvalError("S0204", position: token.position, token: token.text)
            }
            current = token
        } else {
            current = Token(kind: .end, text: "(end)", position: length)
        }
    }

    mutating func expression(_ rbp: Int) throws -> Node {
        var token = current
        try advance(nil, infix: true)
        var left = try nud(token)
        while rbp < currentLBP {
            token = current
            try advance()
            left = try led(token, left)
        }
        return left
    }

    private mutating func nud(_ t: Token) throws -> Node {
        switch t.kind {
        case .name: return Node(.name, t.text, position: t.position)
        case .variable: return Node(.variable, t.text, position: t.position)
        case .string, .number, .value:
            let node = Node(t.kind == .string ? .string : t.kind == .number ? .number : .value, t.text, position: t.position)
            node.literal = t.literal
            return node
        case .regex:
            let node = Node(.regex, t.text, position: t.position)
            node.regex = t.regex
            return node
        case .end:
            // As in the reference, the end of input is a terminal, not an error by itself: the
            // construct left open reports it (S0203, "expected `)` before the end") when it
            // looks for its closing token, and only an end that survives into the tree is
            // S0207.
            return Node(.end, "(end)", position: t.position)
        case .op:
            break
        }
        switch t.text {
        case "and", "or", "in":
            return Node(.op, t.text, position: t.position)
        case "-":
            let node = Node(.unary, "-", position: t.position)
            node.expression = try expression(70)
            return node
        case "*": return Node(.wildcard, "*", position: t.position)
        case "**": return Node(.descendant, "**", position: t.position)
        case "%": return Node(.parent, "%", position: t.position)
        case "(":
            let node = Node(.block, "(", position: t.position)
            while !isOp(")") {
                node.expressions.append(try expression(0))
                if !isOp(";") { break }
                try advance(";")
            }
            try advance(")", infix: true)
            return node
        case "[":
            let node = Node(.unary, "[", position: t.position)
            if !isOp("]") {
                while true {
                    var item = try expression(0)
                    if isOp("..") {
                        let range = Node(.binary, "..", position: current.position)
                        range.lhs = item
                        try advance("..")
                        range.rhs = try expression(0)
                        item = range
                    }
                    node.expressions.append(item)
                    if !isOp(",") { break }
                    try advance(",")
                }
            }
            try advance("]", infix: true)
            return node
        case "{":
            let node = Node(.unary, "{", position: t.position)
            node.pairs = try objectPairs()
            return node
        case "|":
            let node = Node(.transform, "|", position: t.position)
            node.pattern = try expression(0)
            try advance("|")
            node.update = try expression(0)
            if isOp(",") {
                try advance(",")
                node.delete = try expression(0)
            }
            try advance("|")
            return node
        default:
            throw EvalError("S0211", position: t.position, token: t.text)
        }
    }

    private mutating func objectPairs() throws -> [(Node, Node)] {
        var pairs: [(Node, Node)] = []
        if !isOp("}") {
            while true {
                let key = try expression(0)
                try advance(":")
                let value = try expression(0)
                pairs.append((key, value))
                if !isOp(",") { break }
                try advance(",")
            }
        }
        try advance("}", infix: true)
        return pairs
    }

    private mutating func led(_ t: Token, _ left: Node) throws -> Node {
        let op = t.text
        let bp = Tokenizer.operators[op] ?? 0
        switch op {
        case "@", "#":
            let node = Node(.binary, op, position: t.position)
            node.lhs = left
            node.rhs = try expression(bp)
            if node.rhs?.kind != .variable {
                throw EvalError("S0214", position: node.rhs?.position, token: op)
            }
            return node
        case "(":
            return try call(t, left)
        case "[":
            if isOp("]") {
                var step = left
                while step.kind == .binary && step.value == "[", let inner = step.lhs { step = inner }
                step.keepArray = true
                try advance("]", infix: true)
                return left
            }
            let node = Node(.binary, "[", position: t.position)
            node.lhs = left
            node.rhs = try expression(0)
            try advance("]", infix: true)
            return node
        case "{":
            let node = Node(.binary, "{", position: t.position)
            node.lhs = left
            node.pairs = try objectPairs()
            return node
        case "^":
            try advance("(")
            var terms: [SortTerm] = []
            while true {
                var descending = false
                if isOp("<") {
                    try advance("<")
                } else if isOp(">") {
                    descending = true
                    try advance(">")
                }
                terms.append(SortTerm(descending: descending, expression: try expression(0)))
                if !isOp(",") { break }
                try advance(",")
            }
            try advance(")", infix: true)
            let node = Node(.binary, "^", position: t.position)
            node.lhs = left
            node.terms = terms
            return node
        case ":=":
            if left.kind != .variable {
                throw EvalError("S0212", position: left.position, token: left.value)
            }
            let node = Node(.binary, ":=", position: t.position)
            node.lhs = left
            node.rhs = try expression(bp - 1)
            return node
        case "?":
            let node = Node(.condition, "?", position: t.position)
            node.condition = left
            node.then = try expression(0)
            if isOp(":") {
                try advance(":")
                node.otherwise = try expression(0)
            }
            return node
        case "?:":
            let node = Node(.condition, "?:", position: t.position)
            node.condition = left
            node.then = left
            node.otherwise = try expression(0)
            return node
        case "??":
            let node = Node(.condition, "??", position: t.position)
            let exists = Node(.function, "(", position: t.position)
            exists.procedure = Node(.variable, "exists", position: t.position)
            exists.arguments = [left]
            node.condition = exists
            node.then = left
            node.otherwise = try expression(0)
            return node
        default:
            let node = Node(.binary, op, position: t.position)
            node.lhs = left
            node.rhs = try expression(bp)
            return node
        }
    }

    private mutating func call(_ t: Token, _ left: Node) throws -> Node {
        let node = Node(.function, "(", position: t.position)
        node.procedure = left
        if !isOp(")") {
            while true {
                if isOp("?") {
                    node.kind = .partial
                    node.arguments.append(Node(.op, "?", position: current.position))
                    try advance("?")
                } else {
                    node.arguments.append(try expression(0))
                }
                if !isOp(",") { break }
                try advance(",")
            }
        }
        try advance(")", infix: true)
        guard left.kind == .name, left.value == "function" || left.value == "\u{03BB}" else { return node }
        for (i, arg) in node.arguments.enumerated() where arg.kind != .variable {
            throw EvalError("S0208", position: arg.position, token: arg.value, value: .number(Double(i + 1)))
        }
        node.kind = .lambda
        node.params = node.arguments.map(\.value)
        node.arguments = []
        if isOp("<") {
            // The signature is read from the raw text: its characters are not JSONata tokens.
            let start = current.position - 1
            var depth = 0
            var end = start
            let chars = lexer.chars
            while end < chars.count {
                if chars[end] == "<" { depth += 1 }
                if chars[end] == ">" { depth -= 1; if depth == 0 { break } }
                if chars[end] == "{" { break }
                end += 1
            }
            guard end < chars.count else {
                throw EvalError("S0203", position: length, token: "(end)", value: .string(">"))
            }
            guard chars[end] == ">" else {
                // The signature ran into the body: `{` is where `>` was expected.
                throw EvalError("S0202", position: end + 1, token: "{", value: .string(">"))
            }
            let text = lexer.slice(start, end + 1)
            do {
                node.signature = try Signature(text)
            } catch var error as EvalError {
                error.position = start + (error.position ?? 0)
                throw error
            }
            lexer.position = end + 1
            try advance()
        }
        try advance("{")
        node.body = try expression(0)
        try advance("}", infix: true)
        return node
    }
}
