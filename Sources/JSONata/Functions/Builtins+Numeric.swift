import Foundation
import JSONValue

extension Builtins {
    static func numbers(_ v: Value?) -> [Double]? {
        guard let v else { return nil }
        return (v.arrayItems ?? [v]).compactMap { num($0) }
    }

    /// JavaScript `Math.round` (halves toward +∞) followed by the reference's correction to
    /// round half to even.
    static func roundHalfEven(_ x: Double, _ precision: Double?) -> Double {
        var value = x
        let p = clampInt(precision ?? 0)
        if p != 0 { value = shift(value, p) }
        var result = (value + 0.5).rounded(.down)
        if abs(result - value) == 0.5, abs(result.truncatingRemainder(dividingBy: 2)) == 1 { result -= 1 }
        if p != 0 { result = shift(result, -p) }
        return result == 0 ? 0 : result
    }

    /// Moves the decimal point through the decimal text, avoiding the binary error of
    /// multiplying by a power of ten.
    private static func shift(_ x: Double, _ places: Int) -> Double {
        var text: [UInt8] = []
        JSNumberFormat.write(x, to: &text)
        var exponent = places
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            // `Int` reads the exponent's sign, "+" included.
            exponent += Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
            text.removeSubrange(e...)
        }
        text.append(UInt8(ascii: "e"))
        text.append(contentsOf: String(exponent).utf8)
        return Double(String(decoding: text, as: UTF8.self)) ?? x
    }

    static func toNumber(_ v: Value) throws -> Double {
        switch v {
        case .number(let n): return n
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            if s.range(of: #"^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
               let n = Double(s), n.isFinite {
                return n
            }
            let lower = s.lowercased()
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
                if let n = Int(lower.dropFirst(2), radix: radix) { return Double(n) }
            }
            throw EvalError("D3030", value: v, index: 1)
        default:
            throw EvalError("D3030", value: v, index: 1)
        }
    }

    static let numericFunctions: [Definition] = [
        ("number", "<(nsb)-:n>", 1, { _, a, _, _ in try a[0].map { .number(try toNumber($0)) } }),
        ("abs", "<n-:n>", 1, { _, a, _, _ in num(a[0]).map { .number(abs($0)) } }),
        ("floor", "<n-:n>", 1, { _, a, _, _ in num(a[0]).map { .number($0.rounded(.down)) } }),
        ("ceil", "<n-:n>", 1, { _, a, _, _ in num(a[0]).map { .number($0.rounded(.up)) } }),
        ("round", "<n-n?:n>", 2, { _, a, _, _ in num(a[0]).map { .number(roundHalfEven($0, num(arg(a, 1)))) } }),
        ("sqrt", "<n-:n>", 1, { _, a, _, _ in
            guard let n = num(a[0]) else { return nil }
            if n < 0 { throw EvalError("D3060", value: .number(n), index: 1) }
            return .number(n.squareRoot())
        }),
        ("power", "<n-n:n>", 2, { _, a, _, _ in
            guard let base = num(a[0]), let exp = num(a[1]) else { return nil }
            let r = pow(base, exp)
            if !r.isFinite { throw EvalError("D3061", value: .number(base), index: 1) }
            return .number(r)
        }),
        ("random", "<:n>", 0, { _, _, _, _ in .number(Double.random(in: 0..<1)) }),
        ("sum", "<a<n>:n>", 1, { _, a, _, _ in
            guard let ns = numbers(a[0]) else { return nil }
            var total = 0.0
            for n in ns { total += n }
            return .number(total)
        }),
        ("max", "<a<n>:n>", 1, { _, a, _, _ in
            guard let ns = numbers(a[0]), !ns.isEmpty else { return nil }
            return .number(ns.max()!)
        }),
        ("min", "<a<n>:n>", 1, { _, a, _, _ in
            guard let ns = numbers(a[0]), !ns.isEmpty else { return nil }
            return .number(ns.min()!)
        }),
        ("average", "<a<n>:n>", 1, { _, a, _, _ in
            guard let ns = numbers(a[0]), !ns.isEmpty else { return nil }
            var total = 0.0
            for n in ns { total += n }
            return .number(total / Double(ns.count))
        }),
        ("count", "<a:n>", 1, { _, a, _, _ in
            guard let v = a[0] else { return .number(0) }
            return .number(Double(v.arrayItems?.count ?? 1))
        }),
        ("boolean", "<x-:b>", 1, { _, a, _, _ in boolean(a[0]).map { .bool($0) } }),
        ("not", "<x-:b>", 1, { _, a, _, _ in boolean(a[0]).map { .bool(!$0) } }),
        ("exists", "<x:b>", 1, { _, a, _, _ in .bool(a[0] != nil) }),
    ]
}
