/// A function type signature such as `<s-nn?:s>` (https://docs.jsonata.org/embedding-extending#function-signature-syntax),
/// used to validate and coerce the arguments of built-in functions and typed lambdas.
///
/// Like the reference, argument types are reduced to one symbol each and matched against the
/// parameter list as a regular language; the matcher here is a small backtracking one rather
/// than a compiled regular expression, since it runs on every function call.
struct Signature: Sendable {
    enum Quantifier: Sendable { case one, optional, plus }

    struct Param: Sendable {
        var type: Character
        var allowed: Set<Character>
        var quantifier: Quantifier = .one
        var context = false
        var subtype: String?
        var isArray: Bool { type == "a" }
    }

    var params: [Param] = []

    init(_ text: String) throws {
        let chars = Array(text)
        var i = 1
        func closing(_ from: Int, _ open: Character, _ close: Character) -> Int {
            var depth = 1
            var p = from
            while p < chars.count - 1 {
                p += 1
                if chars[p] == open { depth += 1 } else if chars[p] == close {
                    depth -= 1
                    if depth == 0 { break }
                }
            }
            return p
        }
        loop: while i < chars.count {
            let symbol = chars[i]
            switch symbol {
            case ":": break loop
            case "b", "s", "n", "l", "o":
                params.append(Param(type: symbol, allowed: [symbol, "m"]))
            case "a":
                params.append(Param(type: "a", allowed: Set("asnblfom")))
            case "f":
                params.append(Param(type: "f", allowed: ["f"]))
            case "j":
                params.append(Param(type: "j", allowed: Set("asnblom")))
            case "x":
                params.append(Param(type: "x", allowed: Set("asnblfom")))
            case "-":
                guard !params.isEmpty else { break }
                params[params.count - 1].context = true
                params[params.count - 1].quantifier = .optional
            case "?":
                guard !params.isEmpty else { break }
                params[params.count - 1].quantifier = .optional
            case "+":
                guard !params.isEmpty else { break }
                params[params.count - 1].quantifier = .plus
            case "(":
                let end = closing(i, "(", ")")
                let choice = String(chars[(i + 1)..<end])
                if choice.contains("<") { throw EvalError("S0402", position: i, value: .string(choice)) }
                params.append(Param(type: "(", allowed: Set(choice + "m")))
                i = end
            case "<":
                guard let prev = params.last, prev.type == "a" || prev.type == "f" else {
                    throw EvalError("S0401", position: i, value: .string(params.last.map { String($0.type) } ?? ""))
                }
                let end = closing(i, "<", ">")
                params[params.count - 1].subtype = String(chars[(i + 1)..<end])
                i = end
            default:
                break
            }
            i += 1
        }
    }

    static func symbol(_ value: Value?) -> Character {
        guard let value else { return "m" }
        switch value {
        case .function: return "f"
        case .string: return "s"
        case .number: return "n"
        case .bool: return "b"
        case .null: return "l"
        case .jarray, .array: return "a"
        case .jobject, .object: return "o"
        }
    }

    /// Matches `symbols` against `params[p...]` from offset `s`; fills `lengths` with how
    /// many symbols each parameter took. Greedy with backtracking, as a regex would.
    private func match(_ symbols: [Character], _ s: Int, _ p: Int, _ upTo: Int, anchored: Bool, _ lengths: inout [Int]) -> Int? {
        if p == upTo { return (!anchored || s == symbols.count) ? s : nil }
        let param = params[p]
        var maxTake = 0
        while s + maxTake < symbols.count, param.allowed.contains(symbols[s + maxTake]) {
            maxTake += 1
            if param.quantifier != .plus { break }
        }
        let minTake = param.quantifier == .plus ? 1 : param.quantifier == .optional ? 0 : 1
        var take = maxTake
        while take >= minTake {
            lengths[p] = take
            if let end = match(symbols, s + take, p + 1, upTo, anchored: anchored, &lengths) { return end }
            take -= 1
        }
        return nil
    }

    func validate(_ args: [Value?], context: Value?) throws -> [Value?] {
        let symbols = args.map(Self.symbol)
        var lengths = [Int](repeating: 0, count: params.count)
        guard match(symbols, 0, 0, params.count, anchored: true, &lengths) != nil else {
            var goodTo = 0
            for index in 0..<params.count {
                var scratch = [Int](repeating: 0, count: params.count)
                guard let end = match(symbols, 0, 0, index + 1, anchored: false, &scratch) else {
                    throw EvalError("T0410", value: goodTo < args.count ? args[goodTo] : nil, index: goodTo + 1)
                }
                goodTo = end
            }
            throw EvalError("T0410", value: goodTo < args.count ? args[goodTo] : nil, index: goodTo + 1)
        }
        var validated: [Value?] = []
        validated.reserveCapacity(params.count)
        var argIndex = 0
        var symbolIndex = 0
        for (index, param) in params.enumerated() {
            let taken = lengths[index]
            let matched = symbols[symbolIndex..<(symbolIndex + taken)]
            symbolIndex += taken
            if taken == 0 {
                if param.context {
                    let contextSymbol = Self.symbol(context)
                    guard param.allowed.contains(contextSymbol) else {
                        throw EvalError("T0411", value: context, index: argIndex + 1)
                    }
                    validated.append(context)
                } else {
                    validated.append(argIndex < args.count ? args[argIndex] : nil)
                    argIndex += 1
                }
                continue
            }
            for single in matched {
                var arg = argIndex < args.count ? args[argIndex] : nil
                if param.isArray {
                    if single == "m" {
                        arg = nil
                    } else {
                        var ok = true
                        if let subtype = param.subtype {
                            if single != "a" && String(single) != subtype {
                                ok = false
                            } else if single == "a", let items = arg?.arrayItems, let first = items.first {
                                let itemType = Self.symbol(first)
                                if String(itemType) != String(subtype.first!) {
                                    ok = false
                                } else {
                                    ok = items.allSatisfy { Self.symbol($0) == itemType }
                                }
                            }
                        }
                        if !ok { throw EvalError("T0412", value: arg, index: argIndex + 1, message: nil).typed(param.subtype) }
                        if single != "a", let a = arg { arg = .array(Seq([a], sequence: false)) }
                    }
                }
                validated.append(arg)
                argIndex += 1
            }
        }
        return validated
    }
}

extension EvalError {
    fileprivate func typed(_ subtype: String?) -> EvalError {
        let names: [String: String] = ["a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"]
        var copy = self
        copy.message = "Argument \(index ?? 0) of function must be an array of \(names[subtype ?? ""] ?? "values")"
        return copy
    }
}
