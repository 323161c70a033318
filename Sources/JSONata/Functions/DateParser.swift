import Foundation

/// The inverse of `DatePicture` formatting, following the reference's rules for filling in
/// components the picture does not supply (more significant ones from "now", less
/// significant ones as zero; a gap in between is `D3136`).
struct DateParser {
    let spec: DatePicture
    let text: String

    private struct Field {
        var component: Character
        var parse: (String) -> Int?
    }

    func run() throws -> Double? {
        var pattern = "^"
        var fields: [Field] = []
        for (i, part) in spec.parts.enumerated() {
            switch part {
            case .literal(let s):
                pattern += NSRegularExpression.escapedPattern(for: s)
            case .marker(let m):
                let nextIsMarker: Bool = {
                    guard i + 1 < spec.parts.count, case .marker = spec.parts[i + 1] else { return false }
                    return true
                }()
                let (regex, parse) = try fieldMatcher(m, adjacent: nextIsMarker)
                pattern += "(" + regex + ")"
                fields.append(Field(component: m.component, parse: parse))
            }
        }
        pattern += "$"
        let regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        let ns = text as NSString
        guard let match = regex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        var components: [Character: Int] = [:]
        for (i, field) in fields.enumerated() {
            let r = match.range(at: i + 1)
            guard r.location != NSNotFound else { continue }
            if let v = field.parse(ns.substring(with: r)) { components[field.component] = v }
        }
        if components.isEmpty { return nil }
        func mask(_ parts: String) -> Int {
            var m = 0
            for p in parts { m = (m << 1) + (components[p] != nil ? 1 : 0) }
            return m
        }
        func isType(_ type: Int, _ m: Int) -> Bool { (~type & m) == 0 && (type & m) != 0 }
        let dm = mask("YXMxWwdD")
        let dateA = isType(161, dm)
        let dateB = !dateA && isType(130, dm)
        let dateC = isType(84, dm)
        let dateD = !dateC && isType(72, dm)
        let tm = mask("PHhmsf")
        let timeA = isType(23, tm)
        let timeB = !timeA && isType(47, tm)
        let dateComps = dateB ? "Yd" : dateC ? "XxwF" : dateD ? "XWF" : "YMD"
        let timeComps = timeB ? "Phmsf" : "Hmsf"
        let now = Civil.parts(Date().timeIntervalSince1970 * 1000)
        var startSpecified = false, endSpecified = false
        for part in dateComps + timeComps {
            if components[part] == nil {
                if startSpecified {
                    components[part] = "MDd".contains(part) ? 1 : 0
                    endSpecified = true
                } else {
                    switch part {
                    case "Y": components[part] = now.year
                    case "M": components[part] = now.month
                    case "D": components[part] = now.day
                    case "H": components[part] = now.hour
                    case "m": components[part] = now.minute
                    case "s": components[part] = now.second
                    case "f": components[part] = now.ms
                    default: components[part] = 0
                    }
                }
            } else {
                startSpecified = true
                if endSpecified { throw EvalError("D3136") }
            }
        }
        var month = components["M"] ?? 1
        var day = components["D"] ?? 1
        let year = components["Y"] ?? now.year
        if dateB {
            let p = Civil.parts(Civil.millis(year: year, month: 1, day: 1) + Double((components["d"] ?? 1) - 1) * Civil.msPerDay)
            month = p.month
            day = p.day
        }
        if dateC || dateD { throw EvalError("D3136") }
        var hour = components["H"] ?? 0
        if timeB {
            let h = components["h"] ?? 0
            hour = h == 12 ? 0 : h
            if components["P"] == 1 { hour += 12 }
        }
        // Month overflow (e.g. month 13) rolls into the next year as JavaScript's Date.UTC does.
        var y = year, mo = month - 1
        y += Int((Double(mo) / 12).rounded(.down))
        mo = ((mo % 12) + 12) % 12
        var millis = Civil.millis(year: y, month: mo + 1, day: 1) + Double(day - 1) * Civil.msPerDay
            + Double(hour * 3_600_000 + (components["m"] ?? 0) * 60000 + (components["s"] ?? 0) * 1000 + (components["f"] ?? 0))
        if let z = components["Z"] ?? components["z"] { millis -= Double(z) * 60_000 }
        return millis
    }

    private func fieldMatcher(_ m: DatePicture.Marker, adjacent: Bool) throws -> (String, (String) -> Int?) {
        if m.component == "Z" || m.component == "z" {
            let format = m.integerFormat!
            let separator = format.regular ? format.separators.first?.character : nil
            var regex = m.component == "z" ? "GMT" : ""
            regex += "[-+][0-9]+"
            if let separator { regex += NSRegularExpression.escapedPattern(for: separator) + "[0-9]+" }
            let isZ = m.component == "z"
            return (regex, { raw in
                let value = isZ ? String(raw.dropFirst(3)) : raw
                var hours = 0, minutes = 0
                if let separator, let r = value.range(of: separator) {
                    hours = Int(value[..<r.lowerBound]) ?? 0
                    minutes = Int(value[r.upperBound...]) ?? 0
                } else if value.count - 1 <= 2 {
                    hours = Int(value) ?? 0
                } else {
                    hours = Int(value.prefix(3)) ?? 0
                    minutes = Int(value.dropFirst(3)) ?? 0
                }
                return hours * 60 + (hours < 0 || value.hasPrefix("-") ? -minutes : minutes)
            })
        }
        if m.component == "f" {
            return ("[0-9]+", { Int(((Double("0." + $0) ?? 0) * 1000).rounded(.down)) })
        }
        if let format = m.integerFormat {
            let upper = format.letterCase == .upper
            switch format.primary {
            case .letters:
                return (upper ? "[A-Z]+" : "[a-z]+", { format.parse($0).map { Int($0) } })
            case .roman:
                return (upper ? "[MDCLXVI]+" : "[mdclxvi]+", { format.parse($0).map { Int($0) } })
            case .words:
                let words = NumberWords.wordValues.keys.sorted { $0.count > $1.count }
                return ("(?:" + (words + ["and", "[\\-, ]"]).joined(separator: "|") + ")+", { format.parse($0).map { Int($0) } })
            case .decimal:
                var regex = "[0-9]+"
                if adjacent && format.mandatoryDigits > 0 && format.optionalDigits == 0 {
                    regex = "[0-9]{\(format.mandatoryDigits)}"
                }
                if format.ordinal { regex += "(?:th|st|nd|rd)" }
                return (regex, { format.parse($0).flatMap { $0.isFinite ? Int($0) : nil } })
            case .sequence:
                throw EvalError("D3130", value: .string(format.token))
            }
        }
        var lookup: [String: Int] = [:]
        switch m.component {
        case "M", "x":
            for (i, name) in DatePicture.months.enumerated() {
                lookup[(m.widthMax.map { String(name.prefix($0)) } ?? name).lowercased()] = i + 1
            }
        case "F":
            for (i, name) in DatePicture.days.enumerated() where i > 0 {
                lookup[(m.widthMax.map { String(name.prefix($0)) } ?? name).lowercased()] = i
            }
        case "P":
            lookup = ["am": 0, "pm": 1]
        default:
            throw EvalError("D3133", value: .string(String(m.component)))
        }
        return ("[a-zA-Z]+", { lookup[$0.lowercased()] })
    }
}
