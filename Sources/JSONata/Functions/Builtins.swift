/// The standard library, bound in the outermost scope of every evaluation.
enum Builtins {
    static let transformSignature = try! Signature("<(oa):o>")

    static let table: [String: Fn] = {
        var table: [String: Fn] = [:]
        for (name, signature, arity, implementation) in stringFunctions + numericFunctions + arrayFunctions
            + objectFunctions + higherOrderFunctions + dateTimeFunctions + formattingFunctions {
            table[name] = Fn(
                .native(Builtin(name: name, arity: arity, implementation: implementation)),
                signature: try! Signature(signature)
            )
        }
        return table
    }()

    static let formatNumber = table["formatNumber"]!

    typealias Definition = (String, String, Int, Builtin.Implementation)
}
