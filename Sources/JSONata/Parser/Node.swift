/// A node of the expression tree. One class serves both the raw parse tree and the processed
/// tree the evaluator walks (the reference does the same with plain objects); only the fields
/// a kind uses are set. Nodes are immutable once `Parser.parse` returns, so their fields opt
/// out of the run-time exclusivity checks every read of a class property otherwise pays: the
/// checks were 5–9 % of evaluating the benchmark transforms, and they guard against
/// overlapping writes, of which a finished tree has none.
final class Node: @unchecked Sendable {
    enum Kind {
        case path, binary, unary, name, string, number, value, wildcard, descendant, parent
        case condition, block, bind, regex, function, partial, variable, lambda, apply, transform
        case sort, op, end
    }

    @exclusivity(unchecked) var kind: Kind
    /// Operator, name or variable text.
    @exclusivity(unchecked) var value: String
    @exclusivity(unchecked) var position: Int
    @exclusivity(unchecked) var literal: Value?
    @exclusivity(unchecked) var regex: RegexLiteral?

    @exclusivity(unchecked) var lhs: Node?
    @exclusivity(unchecked) var rhs: Node?
    @exclusivity(unchecked) var expression: Node?
    @exclusivity(unchecked) var steps: [Node] = []
    @exclusivity(unchecked) var expressions: [Node] = []
    @exclusivity(unchecked) var arguments: [Node] = []
    @exclusivity(unchecked) var pairs: [(Node, Node)] = []
    @exclusivity(unchecked) var terms: [SortTerm] = []

    @exclusivity(unchecked) var procedure: Node?
    @exclusivity(unchecked) var body: Node?
    @exclusivity(unchecked) var params: [String] = []
    @exclusivity(unchecked) var signature: Signature?
    @exclusivity(unchecked) var thunk = false

    @exclusivity(unchecked) var condition: Node?
    @exclusivity(unchecked) var then: Node?
    @exclusivity(unchecked) var otherwise: Node?

    @exclusivity(unchecked) var pattern: Node?
    @exclusivity(unchecked) var update: Node?
    @exclusivity(unchecked) var delete: Node?

    @exclusivity(unchecked) var predicate: [Stage]?
    @exclusivity(unchecked) var stages: [Stage]?
    @exclusivity(unchecked) var group: Group?

    /// The operator of a `.binary` node, decoded once at parse time.
    @exclusivity(unchecked) var binaryOp: BinaryOp?
    /// An array constructor whose members are all literals: its items, built once.
    @exclusivity(unchecked) var constantItems: [Value]?
    /// An object constructor whose keys are distinct string literals.
    @exclusivity(unchecked) var constantKeys: [String]?
    /// `$formatNumber(x, '<literal picture>')`: the picture analysed at compile time.
    @exclusivity(unchecked) var numberPicture: NumberPicture.Compiled?

    /// A block that binds no variable does not need a scope of its own.
    @exclusivity(unchecked) var blockNeedsFrame = true

    @exclusivity(unchecked) var keepArray = false
    @exclusivity(unchecked) var keepSingletonArray = false
    @exclusivity(unchecked) var consarray = false
    @exclusivity(unchecked) var tuple = false
    @exclusivity(unchecked) var focus: String?
    @exclusivity(unchecked) var index: String?
    @exclusivity(unchecked) var ancestor: Slot?
    @exclusivity(unchecked) var slot: Slot?
    @exclusivity(unchecked) var seekingParent: [Slot]?

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
