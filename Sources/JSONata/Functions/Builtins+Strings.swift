import Foundation

/// JavaScript `Array.prototype.slice` index arithmetic.
func jsSlice(count: Int, start: Double, end: Double?) -> Range<Int> {
    func clamp(_ v: Double) -> Int {
        if v.isNaN { return 0 }
        let t = v < 0 ? (v + Double(count)).rounded(.towardZero) : v.rounded(.towardZero)
        return Int(max(0, min(Double(count), t)))
    }
    let from = clamp(start)
    let to = end.map(clamp) ?? count
    return from..<max(from, to)
}

extension Builtins {
    static func str(_ v: Value?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    static func num(_ v: Value?) -> Double? {
        if case .number(let n)? = v { return n }
        return nil
    }

    static func arg(_ args: [Value?], _ i: Int) -> Value? { i < args.count ? args[i] : nil }

    static func substring(_ s: String, _ start: Double, _ length: Double?) -> String {
        let scalars = Array(s.unicodeScalars)
        var start = start
        if Double(scalars.count) + start < 0 { start = 0 }
        var range: Range<Int>
        if let length {
            if length <= 0 { return "" }
            let end = start >= 0 ? start + length : Double(scalars.count) + start + length
            range = jsSlice(count: scalars.count, start: start, end: end)
        } else {
            range = jsSlice(count: scalars.count, start: start, end: nil)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    static let stringFunctions: [Definition] = [
        // Arity 1: the reference declares `prettify` with a default, which JavaScript does not
        // count, so callbacks such as `$map(a, $string)` receive only the value.
        ("string", "<x-b?:s>", 1, { _, a, _, _ in
            guard let v = a[0] else { return nil }
            return .string(try stringify(v, pretty: boolean(arg(a, 1)) == true))
        }),
        ("length", "<s-:n>", 1, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            return .number(Double(s.unicodeScalars.count))
        }),
        ("substring", "<s-nn?:s>", 3, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            return .string(substring(s, num(a[1]) ?? 0, num(arg(a, 2))))
        }),
        ("substringBefore", "<s-s:s>", 2, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            guard let chars = str(a[1]) else { return .string(s) }
            if chars.isEmpty { return .string("") }
            if let r = s.range(of: chars, options: .literal) { return .string(String(s[..<r.lowerBound])) }
            return .string(s)
        }),
        ("substringAfter", "<s-s:s>", 2, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            guard let chars = str(a[1]) else { return .string(s) }
            if let r = s.range(of: chars, options: .literal) { return .string(String(s[r.upperBound...])) }
            return .string(s)
        }),
        ("uppercase", "<s-:s>", 1, { _, a, _, _ in str(a[0]).map { .string($0.uppercased()) } }),
        ("lowercase", "<s-:s>", 1, { _, a, _, _ in str(a[0]).map { .string($0.lowercased()) } }),
        ("trim", "<s-:s>", 1, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            var out = String.UnicodeScalarView()
            var inSpace = false
            for c in s.unicodeScalars {
                if c == " " || c == "\t" || c == "\n" || c == "\r" {
                    if !inSpace { out.append(" ") }
                    inSpace = true
                } else {
                    out.append(c)
                    inSpace = false
                }
            }
            if out.first == " " { out.removeFirst() }
            if out.last == " " { out.removeLast() }
            return .string(String(out))
        }),
        ("pad", "<s-ns?:s>", 3, { _, a, _, _ in
            guard let s = str(a[0]), let width = num(a[1]) else { return nil }
            var padChar = str(arg(a, 2)) ?? " "
            if padChar.isEmpty { padChar = " " }
            let padLength = clampInt(abs(width).rounded(.towardZero)) - s.unicodeScalars.count
            guard padLength > 0 else { return .string(s) }
            var padding = String(repeating: padChar, count: padLength)
            if padChar.unicodeScalars.count > 1 { padding = substring(padding, 0, Double(padLength)) }
            return .string(width > 0 ? s + padding : padding + s)
        }),
        ("contains", "<s-(sf):b>", 2, { ev, a, _, env in
            guard let s = str(a[0]) else { return nil }
            switch a[1] {
            case .string(let token)?: return .bool(token.isEmpty || s.range(of: token, options: .literal) != nil)
            case let matcher?: return .bool(try RegexSupport.matches(ev, matcher, s, env).first != nil)
            case nil: return nil
            }
        }),
        ("split", "<s-(sf)n?:a<s>>", 3, { ev, a, _, env in
            guard let s = str(a[0]) else { return nil }
            let limit = num(arg(a, 2))
            if let limit, limit < 0 { throw EvalError("D3020", value: .number(limit)) }
            var result: [Value] = []
            if limit == nil || limit! > 0 {
                if case .string(let sep)? = a[1] {
                    var parts: [String]
                    if sep.isEmpty {
                        parts = s.utf16.map { String(utf16CodeUnits: [$0], count: 1) }
                    } else {
                        parts = s.components(separatedBy: sep)
                    }
                    if let limit { parts = Array(parts.prefix(clampInt(limit))) }
                    result = parts.map { .string($0) }
                } else if let matcher = a[1] {
                    let ns = s as NSString
                    var start = 0
                    var count = 0
                    for m in try RegexSupport.matches(ev, matcher, s, env, limit: limit.map { Int($0) }) {
                        result.append(.string(ns.substring(with: NSRange(location: start, length: m.start - start))))
                        start = m.end
                        count += 1
                    }
                    if limit == nil || Double(count) < limit! {
                        result.append(.string(ns.substring(from: start)))
                    }
                }
            }
            return .array(Seq(result, sequence: false))
        }),
        ("join", "<a<s>s?:s>", 2, { _, a, _, _ in
            guard let items = a[0]?.arrayItems else { return nil }
            let sep = str(arg(a, 1)) ?? ""
            return .string(items.compactMap { str($0) }.joined(separator: sep))
        }),
        ("match", "<s-f<s:o>n?:a<o>>", 3, { ev, a, _, env in
            guard let s = str(a[0]) else { return nil }
            let limit = num(arg(a, 2))
            if let limit, limit < 0 { throw EvalError("D3040", value: .number(limit)) }
            let result = Seq.sequence()
            if limit == nil || limit! > 0, let matcher = a[1] {
                for m in try RegexSupport.matches(ev, matcher, s, env, limit: limit.map { clampInt($0.rounded(.up)) }) {
                    result.items.append(.object(Obj([
                        "match": .string(m.match), "index": .number(Double(m.start)),
                        "groups": .array(Seq(m.groups.map { .string($0) }, sequence: false)),
                    ])))
                }
            }
            return .array(result)
        }),
        ("replace", "<s-(sf)(sf)n?:s>", 4, { ev, a, _, env in
            guard let s = str(a[0]) else { return nil }
            if case .string("")? = a[1] { throw EvalError("D3010", value: .string(""), index: 2) }
            let limit = num(arg(a, 3))
            if let limit, limit < 0 { throw EvalError("D3011", value: .number(limit), index: 4) }
            if let limit, limit == 0 { return .string(s) }
            let replacement = a[2]
            if case .string(let pattern)? = a[1] {
                let rep = str(replacement) ?? ""
                var out = ""
                var rest = Substring(s)
                var count = 0
                while limit == nil || Double(count) < limit!, let r = rest.range(of: pattern, options: .literal) {
                    out += rest[..<r.lowerBound]
                    out += rep
                    rest = rest[r.upperBound...]
                    count += 1
                }
                return .string(out + rest)
            }
            guard let matcher = a[1] else { return .string(s) }
            let ns = s as NSString
            var out = ""
            var position = 0
            for m in try RegexSupport.matches(ev, matcher, s, env, limit: limit.map { clampInt($0.rounded(.up)) }) {
                out += ns.substring(with: NSRange(location: position, length: m.start - position))
                let substitute: Value?
                if case .string(let template)? = replacement {
                    substitute = .string(RegexSupport.expand(template, m))
                } else {
                    substitute = try ev.apply(replacement, [m.object], nil, env)
                }
                guard case .string(let text)? = substitute else {
                    throw EvalError("D3012", value: substitute)
                }
                out += text
                position = m.start + (m.match as NSString).length
            }
            out += ns.substring(from: min(position, ns.length))
            return .string(out)
        }),
        ("base64encode", "<s-:s>", 1, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            let bytes = s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
            return .string(Data(bytes).base64EncodedString())
        }),
        ("base64decode", "<s-:s>", 1, { _, a, _, _ in
            guard let s = str(a[0]) else { return nil }
            var padded = s.filter { !$0.isWhitespace }
            while padded.count % 4 != 0 { padded += "=" }
            guard let data = Data(base64Encoded: padded) else { return .string("") }
            var view = String.UnicodeScalarView()
            for b in data { view.append(Unicode.Scalar(b)) }
            return .string(String(view))
        }),
        ("encodeUrlComponent", "<s-:s>", 1, { _, a, _, _ in
            try str(a[0]).map { .string(try URLCoding.encode($0, keep: URLCoding.unreserved, name: "encodeUrlComponent")) }
        }),
        ("encodeUrl", "<s-:s>", 1, { _, a, _, _ in
            try str(a[0]).map { .string(try URLCoding.encode($0, keep: URLCoding.unreserved.union(URLCoding.reserved), name: "encodeUrl")) }
        }),
        ("decodeUrlComponent", "<s-:s>", 1, { _, a, _, _ in
            try str(a[0]).map { .string(try URLCoding.decode($0, preserve: [], name: "decodeUrlComponent")) }
        }),
        ("decodeUrl", "<s-:s>", 1, { _, a, _, _ in
            try str(a[0]).map { .string(try URLCoding.decode($0, preserve: URLCoding.reserved, name: "decodeUrl")) }
        }),
    ]
}

/// `encodeURI`/`encodeURIComponent` and their inverses, as JavaScript defines them.
enum URLCoding {
    static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".utf8))
    static let reserved: Set<UInt8> = Set(Array(";,/?:@&=+$#".utf8))

    static func encode(_ s: String, keep: Set<UInt8>, name: String) throws -> String {
        var out = ""
        for byte in s.utf8 {
            if keep.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func decode(_ s: String, preserve: Set<UInt8>, name: String) throws -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        func malformed() -> EvalError {
            EvalError("D3140", token: name, value: .string(s), message: "Malformed URL passed to $\(name)(): \"\(s)\"")
        }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < bytes.count {
            if bytes[i] == 37 {
                guard i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) else { throw malformed() }
                let b = h * 16 + l
                if preserve.contains(b) {
                    out.append(contentsOf: bytes[i...(i + 2)])
                } else {
                    out.append(b)
                }
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw malformed() }
        return text
    }
}
