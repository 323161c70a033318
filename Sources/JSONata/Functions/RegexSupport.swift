import Foundation

/// Regular expressions: JavaScript syntax, run by ICU (`NSRegularExpression`), with
/// UTF-16 offsets as JavaScript reports them.
enum RegexSupport {
    struct Match {
        var match: String
        var start: Int
        var end: Int
        var groups: [String]

        var object: Value {
            .object(Obj([
                "match": .string(match), "index": .number(Double(start)), "start": .number(Double(start)),
                "end": .number(Double(end)), "groups": .array(Seq(groups.map { .string($0) }, sequence: false)),
            ]))
        }
    }

    static func compile(_ pattern: String, flags: String, position: Int) throws -> NSRegularExpression {
        var options: NSRegularExpression.Options = []
        if flags.contains("i") { options.insert(.caseInsensitive) }
        if flags.contains("m") { options.insert(.anchorsMatchLines) }
        do {
            return try NSRegularExpression(pattern: translate(pattern), options: options)
        } catch {
            throw EvalError("S0302", position: position, token: pattern)
        }
    }

    /// The few JavaScript-only constructs ICU spells differently.
    private static func translate(_ pattern: String) -> String {
        var out = pattern.replacingAll("[^]", with: "[\\s\\S]")
        // JavaScript allows an unescaped `]` right after `[` only as part of `[]` (matches
        // nothing); ICU rejects `[]`.
        out = out.replacingAll("[]", with: "(?!)")
        return out
    }

    private static func firstMatch(_ regex: RegexLiteral, _ ns: NSString, _ s: String, from: Int) -> Match? {
        guard from <= ns.length else { return nil }
        let range = NSRange(location: from, length: ns.length - from)
        guard let m = regex.compiled.firstMatch(in: s, options: [.withTransparentBounds, .withoutAnchoringBounds], range: range) else { return nil }
        var groups: [String] = []
        if m.numberOfRanges > 1 {
            for g in 1..<m.numberOfRanges {
                let r = m.range(at: g)
                groups.append(r.location == NSNotFound ? "" : ns.substring(with: r))
            }
        }
        return Match(match: ns.substring(with: m.range), start: m.range.location, end: m.range.location + m.range.length, groups: groups)
    }

    /// The match object a regex value returns when called as a function.
    static func matchObject(_ regex: RegexLiteral, _ s: String, from: Int) -> Value? {
        firstMatch(regex, s as NSString, s, from: from)?.object
    }

    /// Successive matches, following the reference's rules: after a match the search resumes
    /// at its end, and a later zero-length match is an error (`D1004`) rather than a loop.
    static func matches(_ ev: Evaluator, _ matcher: Value, _ s: String, _ env: Frame, limit: Int? = nil) throws -> [Match] {
        guard case .function(let f) = matcher else { return [] }
        guard case .regex(let regex) = f.kind else {
            return try customMatches(ev, matcher, s, env, limit: limit)
        }
        let ns = s as NSString
        var out: [Match] = []
        guard var current = firstMatch(regex, ns, s, from: 0) else { return [] }
        while true {
            if let limit, out.count >= limit { break }
            out.append(current)
            if current.end >= ns.length { break }
            guard let next = firstMatch(regex, ns, s, from: current.end) else { break }
            if next.match.isEmpty { throw EvalError("D1004", value: .string(regex.pattern)) }
            current = next
        }
        return out
    }

    private static func customMatches(_ ev: Evaluator, _ matcher: Value, _ s: String, _ env: Frame, limit: Int?) throws -> [Match] {
        var out: [Match] = []
        var result = try ev.apply(matcher, [.string(s)], nil, env)
        while let r = result {
            if let limit, out.count >= limit { break }
            guard case .string(let m)? = r.member("match"), case .number(let start)? = r.member("start"),
                  case .number(let end)? = r.member("end") else {
                throw EvalError("T1010")
            }
            let groups = (r.member("groups")?.arrayItems ?? []).compactMap { $0.stringValue }
            out.append(Match(match: m, start: clampInt(start), end: clampInt(end), groups: groups))
            guard let next = r.member("next") else { break }
            result = try ev.apply(next, [], nil, env)
        }
        return out
    }

    /// Expands `$0`, `$1`…, `$$` in a `$replace` template.
    static func expand(_ template: String, _ m: Match) -> String {
        let chars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else {
                out.append(c)
                i += 1
                continue
            }
            let d = chars[i + 1]
            if d == "$" {
                out.append("$")
                i += 2
            } else if d == "0" {
                out.append(contentsOf: m.match.unicodeScalars)
                i += 2
            } else {
                let maxDigits = m.groups.isEmpty ? 1 : Int(log10(Double(m.groups.count)).rounded(.down)) + 1
                func digits(_ n: Int) -> Int? {
                    var text = ""
                    var j = i + 1
                    while j < chars.count, text.count < n, ("0"..."9").contains(chars[j]) {
                        text.unicodeScalars.append(chars[j])
                        j += 1
                    }
                    return Int(text)
                }
                var index = digits(maxDigits)
                if maxDigits > 1, let idx = index, idx > m.groups.count { index = digits(maxDigits - 1) }
                if let index {
                    if !m.groups.isEmpty, index >= 1, index <= m.groups.count {
                        out.append(contentsOf: m.groups[index - 1].unicodeScalars)
                    }
                    i += 1 + String(index).count
                } else {
                    out.append("$")
                    i += 1
                }
            }
        }
        return String(out)
    }
}
