/// A node of the expression tree. One class serves both the raw parse tree and the processed
/// tree the evaluator walks (the reference does the same with plain objects); only the fields
/// a kind uses are set. Nodes are immutable once `Parser.parse` returns.
final class Node: @unchecked Sendable {
    enum Kind {
        case path, binary, unary, name, string, number, value, wildcard, descendant, parent
        case condition, block, bind, regex, function, partial, variable, lambda, apply, transform
        case sort, op, end
    }

    var kind: Kind
    /// Operator, name or variable text.
    var value: String
    var position: Int
    var literal: Value?
    var regex: RegexLiteral?

    var lhs: Node?
    var rhs: Node?
    var expression: Node?
    var steps: [Node] = []
    var expressions: [Node] = []
    var arguments: [Node] = []
    var pairs: [(Node, Node)] = []
    var terms: [SortTerm] = []

    var procedure: Node?
    var body: Node?
    var params: [String] = []
    var signature: Signature?
    var thunk = false

    var condition: Node?
    var then: Node?
    var otherwise: Node?

    var pattern: Node?
    var update: Node?
    var delete: Node?

    var predicate: [Stage]?
    var stages: [Stage]?
    var group: Group?

    /// The operator of a `.binary` node, decoded once at parse time.
    var binaryOp: BinaryOp?
    /// An array constructor whose members are all literals: its items, built once.
    var constantItems: [Value]?
    /// An object constructor whose keys are distinct string literals.
    var constantKeys: [String]?
    /// `$formatNumber(x, '<literal picture>')`: the picture analysed at compile time.
    var numberPicture: NumberPicture.Compiled?

    /// A block that binds no variable does not need a scope of its own.
    var blockNeedsFrame = true

    var keepArray = false
    var keepSingletonArray = false
    var consarray = false
    var tuple = false
    var focus: String?
    var index: String?
    var ancestor: Slot?
    var slot: Slot?
    var seekingParent: [Slot]?

    init(_ kind: Kind, _ value: String = "", position: Int) {
        self.kind = kind
        self.value = value
        self.position = position
    }
}

enum BinaryOp: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case concat = "&", range = "..", isIn = "in", and, or
}

struct SortTerm {
    var descending: Bool
    var expression: Node
}

enum Stage {
    case filter(Node, position: Int)
    case index(String)
}

struct Group {
    var pairs: [(Node, Node)]
    var position: Int
}

/// A parent-operator (`%`) reference, resolved at parse time to the step it names.
final class Slot: @unchecked Sendable {
    var label: String
    var level: Int
    let index: Int
    init(label: String, level: Int, index: Int) {
        self.label = label
        self.level = level
        self.index = index
    }
}
