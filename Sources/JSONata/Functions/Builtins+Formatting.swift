import Foundation

extension Builtins {
    static let formattingFunctions: [Definition] = [
        ("formatBase", "<n-n?:s>", 2, { _, a, _, _ in
            guard let n = num(a[0]) else { return nil }
            let value = roundHalfEven(n, nil)
            var radix = 10.0
            if let r = num(arg(a, 1)) { radix = roundHalfEven(r, nil) }
            if radix < 2 || radix > 36 { throw EvalError("D3100", value: .number(radix)) }
            return .string(String(clampInt(value), radix: Int(radix)))
        }),
        ("formatNumber", "<n-so?:s>", 3, { _, a, _, _ in
            guard let n = num(a[0]), let picture = str(arg(a, 1)) else { return nil }
            return .string(try NumberPicture.format(n, picture: picture, options: arg(a, 2)))
        }),
        ("formatInteger", "<n-s:s>", 2, { _, a, _, _ in
            guard let n = num(a[0]), let picture = str(arg(a, 1)) else { return nil }
            return .string(try IntegerPicture.format(n, picture: picture))
        }),
        ("parseInteger", "<s-s:n>", 2, { _, a, _, _ in
            guard let s = str(a[0]), let picture = str(arg(a, 1)) else { return nil }
            return try IntegerPicture.parse(s, picture: picture).map { .number($0) }
        }),
    ]
}
