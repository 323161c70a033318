public import JSONValue

/// A compiled JSONata expression (the language of https://docs.jsonata.org, as jsonata-js 2.x
/// defines it).
///
/// Compile once, evaluate many times, from any thread: the parsed tree is immutable and every
/// evaluation gets its own state.
///
/// ```swift
/// let expr = try JSONata("Account.Order.Product.Price ~> $sum()")
/// let total = try expr.evaluate(document)
/// ```
public struct JSONata: Sendable {
    let root: Node
    /// The expression text this value was compiled from.
    public let source: String

    /// Compiles `expression`.
    /// - Throws: `JSONataError` with the reference implementation's `S0xxx` code and the
    ///   character position of the offending token.
    public init(_ expression: String) throws {
        self.source = expression
        self.root = try Parser.parse(expression)
    }

    /// Evaluates the expression against `input`.
    ///
    /// - Parameters:
    ///   - input: the document bound to `$` and used as the initial context; `nil` means no
    ///     input (JavaScript `undefined`), which is not the same as JSON `null`.
    ///   - bindings: variables, named without the leading `$`.
    ///   - limits: guards against runaway expressions.
    /// - Returns: the result, or `nil` when the expression yields nothing (undefined).
    /// - Throws: `JSONataError` (`T…` type errors, `D…` dynamic errors, `U1001` when a limit
    ///   is exceeded, or the code given to `$error`).
    public func evaluate(_ input: JSON?, bindings: [String: JSON] = [:], limits: Limits = .init()) throws -> JSON? {
        let evaluator = Evaluator(limits: limits)
        return try evaluator.run(root, input: input, bindings: bindings)
    }
}

extension JSONata {
    /// Guards that stop a hostile or buggy expression from hanging or crashing its host.
    ///
    /// Exceeding either raises `JSONataError` with code `U1001`.
    public struct Limits: Sendable {
        /// Wall-clock budget of one evaluation (default 1 second; `nil` = unlimited).
        public var timeout: Duration?
        /// Maximum nesting of expression evaluations, the unit jsonata-js's own guard counts
        /// (a non-tail-recursive user function costs about three levels per call). Default
        /// 2000. Independently of this number, evaluation stops with `U1001` before the
        /// thread's stack runs low, so a large value can never crash the process.
        public var maxDepth: Int

        public init(timeout: Duration? = .seconds(1), maxDepth: Int = 2000) {
            self.timeout = timeout
            self.maxDepth = maxDepth
        }
    }
}
