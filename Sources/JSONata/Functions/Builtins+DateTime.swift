import Foundation

extension Builtins {
    static let dateTimeFunctions: [Definition] = [
        ("now", "<s?s?:s>", 2, { ev, a, _, _ in
            .string(try DatePicture.format(ev.startMillis, picture: str(arg(a, 0)), timezone: str(arg(a, 1))))
        }),
        ("millis", "<:n>", 0, { ev, _, _, _ in .number(ev.startMillis) }),
        ("fromMillis", "<n-s?s?:s>", 3, { _, a, _, _ in
            guard let n = num(a[0]) else { return nil }
            return .string(try DatePicture.format(n, picture: str(arg(a, 1)), timezone: str(arg(a, 2))))
        }),
        ("toMillis", "<s-s?:n>", 2, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            if let picture = str(arg(a, 1)) {
                return try DatePicture.parse(s, picture: picture).map { .number($0) }
            }
            guard let ms = ISODate.parse(s) else { throw EvalError("D3110", value: .string(s)) }
            return .number(ms)
        }),
    ]
}
