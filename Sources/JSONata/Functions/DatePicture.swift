import Foundation

/// Civil-calendar arithmetic in UTC (proleptic Gregorian), independent of the host time zone.
enum Civil {
    static let msPerDay = 86_400_000.0

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy: Int = (153 * mp + 2) / 5 + day - 1
        let doe: Int = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let base: Int = era * 146_097
        return base + doe - 719_468
    }

    static func date(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func millis(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, ms: Int = 0) -> Double {
        let dayMillis: Double = Double(days(year: year, month: month, day: day)) * msPerDay
        let h: Int = hour * 3_600_000
        let rest: Int = h + minute * 60_000 + second * 1000 + ms
        return dayMillis + Double(rest)
    }

    struct Parts {
        var year, month, day, hour, minute, second, ms, weekday: Int
    }

    static func parts(_ millis: Double) -> Parts {
        let dayNumber = clampInt((millis / msPerDay).rounded(.down))
        let rest = clampInt(millis - Double(dayNumber) * msPerDay)
        let (y, m, d) = date(fromDays: dayNumber)
        let weekday = ((dayNumber % 7) + 11) % 7  // 0 = Sunday; 1970-01-01 was a Thursday
        return Parts(year: y, month: m, day: d, hour: rest / 3_600_000, minute: rest / 60000 % 60,
                     second: rest / 1000 % 60, ms: rest % 1000, weekday: weekday)
    }
}

/// ISO 8601 timestamps as `$toMillis` accepts them without a picture.
enum ISODate {
    static func parse(_ s: String) -> Double? {
        let pattern = #"^(\d{4})(?:-([01]\d))?(?:-([0-3]\d))?(?:T([0-2]\d):([0-5]\d):([0-5]\d))?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = s as NSString
        guard let m = regex.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else { return nil }
        func group(_ i: Int) -> String? {
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
        let year = Int(group(1)!)!
        let month = group(2).flatMap { Int($0) } ?? 1
        let day = group(3).flatMap { Int($0) } ?? 1
        let hour = group(4).flatMap { Int($0) } ?? 0
        let minute = group(5).flatMap { Int($0) } ?? 0
        let second = group(6).flatMap { Int($0) } ?? 0
        var ms = 0.0
        if let fraction = group(7) { ms = ((Double("0" + fraction) ?? 0) * 1000).rounded(.down) }
        var offset = 0
        if let tz = group(8), tz != "Z" {
            let digits = tz.dropFirst().replacingOccurrences(of: ":", with: "")
            let h = Int(digits.prefix(2)) ?? 0, mi = Int(digits.suffix(2)) ?? 0
            offset = (h * 60 + mi) * (tz.hasPrefix("-") ? -1 : 1)
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return Civil.millis(year: year, month: month, day: day, hour: hour, minute: minute, second: second) + ms
            - Double(offset) * 60_000
    }
}

/// XPath `format-dateTime` picture strings (`[Y0001]-[M01]-[D01]`, `[FNn], [D1o] [MNn]`, …).
struct DatePicture {
    struct Marker {
        var component: Character
        var presentation1: String
        var presentation2: Character?
        var names: IntegerPicture.Case?
        var integerFormat: IntegerPicture?
        var widthMin: Int?
        var widthMax: Int?
        var n = -1
    }

    enum Part {
        case literal(String)
        case marker(Marker)
    }

    var parts: [Part] = []

    static let defaults: [Character: String] = [
        "Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1", "x": "1", "H": "1",
        "h": "1", "P": "n", "m": "01", "s": "01", "f": "1", "Z": "01:01", "z": "01:01", "C": "n", "E": "n",
    ]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let days = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let iso = try! DatePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

    init(_ picture: String) throws {
        let chars = Array(picture)
        var start = 0, pos = 0
        func addLiteral(_ from: Int, _ to: Int) {
            if to > from { parts.append(.literal(String(chars[from..<to]).replacingAll("]]", with: "]"))) }
        }
        while pos < chars.count {
            if chars[pos] == "[" {
                if pos + 1 < chars.count, chars[pos + 1] == "[" {
                    addLiteral(start, pos)
                    parts.append(.literal("["))
                    pos += 2
                    start = pos
                    continue
                }
                addLiteral(start, pos)
                start = pos
                guard let close = chars[start...].firstIndex(of: "]") else { throw EvalError("D3135") }
                pos = close
                let marker = String(chars[(start + 1)..<pos]).filter { !$0.isWhitespace }
                parts.append(.marker(try Self.marker(marker)))
                start = pos + 1
            }
            pos += 1
        }
        addLiteral(start, pos)
    }

    private static func marker(_ text: String) throws -> Marker {
        let chars = Array(text)
        guard let component = chars.first else { throw EvalError("D3132", value: .string("")) }
        var def = Marker(component: component, presentation1: "")
        var presentation: String
        if let comma = chars.lastIndex(of: ",") {
            let width = String(chars[(comma + 1)...])
            let bounds = width.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            def.widthMin = bounds[0] == "*" ? nil : Int(bounds[0])
            if bounds.count > 1 { def.widthMax = bounds[1] == "*" ? nil : Int(bounds[1]) }
            presentation = String(chars[1..<comma])
        } else {
            presentation = String(chars.dropFirst())
        }
        if presentation.count == 1 {
            def.presentation1 = presentation
        } else if presentation.count > 1 {
            let last = presentation.last!
            if "atco".contains(last) {
                def.presentation2 = last
                def.presentation1 = String(presentation.dropLast())
            } else {
                def.presentation1 = presentation
            }
        } else {
            guard let d = defaults[component] else { throw EvalError("D3132", value: .string(String(component))) }
            def.presentation1 = d
        }
        let p = Array(def.presentation1)
        if p.first == "n" {
            def.names = .lower
        } else if p.first == "N" {
            def.names = p.count > 1 && p[1] == "n" ? .title : .upper
        } else if "YMDdFWwXxHhmsf".contains(component) {
            var integerPattern = def.presentation1
            if let p2 = def.presentation2 { integerPattern += ";" + String(p2) }
            var format = try IntegerPicture(integerPattern)
            if let min = def.widthMin, format.mandatoryDigits < min { format.mandatoryDigits = min }
            if component == "Y" {
                if let max = def.widthMax {
                    def.n = max
                    format.mandatoryDigits = max
                } else {
                    let w = format.mandatoryDigits + format.optionalDigits
                    if w >= 2 { def.n = w }
                }
            }
            def.integerFormat = format
        }
        if component == "Z" || component == "z" { def.integerFormat = try IntegerPicture(def.presentation1) }
        if !"YMDdFWwXxHhmsfPZzCE".contains(component) { throw EvalError("D3132", value: .string(String(component))) }
        return def
    }

    static func format(_ millis: Double, picture: String?, timezone: String?) throws -> String {
        if picture == nil, timezone == nil, let text = isoUTC(millis) { return text }
        var offsetHours = 0, offsetMinutes = 0
        if let timezone, let offset = Int(timezone.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "+", with: "")) {
            offsetHours = Int((Double(offset) / 100).rounded(.down))
            offsetMinutes = offset % 100
        }
        let spec = try picture.map { try DatePicture($0) } ?? iso
        let shifted = millis + Double(offsetHours * 60 + offsetMinutes) * 60_000
        var out = ""
        for part in spec.parts {
            switch part {
            case .literal(let s): out += s
            case .marker(let m): out += try component(m, shifted, offsetHours, offsetMinutes)
            }
        }
        return out
    }

    /// The default `$fromMillis` output written directly: the same text the ISO picture
    /// produces, without interpreting it on every call.
    private static func isoUTC(_ millis: Double) -> String? {
        guard millis.isFinite else { return nil }
        let p = Civil.parts(millis)
        guard (0...9999).contains(p.year) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            for i in stride(from: at + width - 1, through: at, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(p.year, 0, 4); bytes[4] = 45
        put(p.month, 5, 2); bytes[7] = 45
        put(p.day, 8, 2); bytes[10] = 84
        put(p.hour, 11, 2); bytes[13] = 58
        put(p.minute, 14, 2); bytes[16] = 58
        put(p.second, 17, 2); bytes[19] = 46
        put(p.ms, 20, 3); bytes[23] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func startOfFirstWeek(_ year: Int, _ month: Int) -> Double {
        let first = Civil.millis(year: year, month: month, day: 1)
        var dow = Civil.parts(first).weekday
        if dow == 0 { dow = 7 }
        return dow > 4 ? first + Double(8 - dow) * Civil.msPerDay : first - Double(dow - 1) * Civil.msPerDay
    }

    private static func deltaWeeks(_ start: Double, _ end: Double) -> Double { (end - start) / (Civil.msPerDay * 7) + 1 }

    private static func fragment(_ c: Character, _ millis: Double) -> Int {
        let p = Civil.parts(millis)
        let today = Civil.millis(year: p.year, month: p.month, day: p.day)
        switch c {
        case "Y": return p.year
        case "M": return p.month
        case "D": return p.day
        case "d": return Int((today - Civil.millis(year: p.year, month: 1, day: 1)) / Civil.msPerDay) + 1
        case "F": return p.weekday == 0 ? 7 : p.weekday
        case "W":
            var week = deltaWeeks(startOfFirstWeek(p.year, 1), today)
            if week > 52 {
                if today >= startOfFirstWeek(p.year + 1, 1) { week = 1 }
            } else if week < 1 {
                week = deltaWeeks(startOfFirstWeek(p.year - 1, 1), today)
            }
            return clampInt(week.rounded(.down))
        case "w":
            var week = deltaWeeks(startOfFirstWeek(p.year, p.month), today)
            if week > 4 {
                let (ny, nm) = p.month == 12 ? (p.year + 1, 1) : (p.year, p.month + 1)
                if today >= startOfFirstWeek(ny, nm) { week = 1 }
            } else if week < 1 {
                let (py, pm) = p.month == 1 ? (p.year - 1, 12) : (p.year, p.month - 1)
                week = deltaWeeks(startOfFirstWeek(py, pm), today)
            }
            return clampInt(week.rounded(.down))
        case "X":
            if millis < startOfFirstWeek(p.year, 1) { return p.year - 1 }
            if millis >= startOfFirstWeek(p.year + 1, 1) { return p.year + 1 }
            return p.year
        case "x":
            let (ny, nm) = p.month == 12 ? (p.year + 1, 1) : (p.year, p.month + 1)
            if millis < startOfFirstWeek(p.year, p.month) { return p.month == 1 ? 12 : p.month - 1 }
            if millis >= startOfFirstWeek(ny, nm) { return nm }
            return p.month
        case "H": return p.hour
        case "h": return p.hour % 12 == 0 ? 12 : p.hour % 12
        case "m": return p.minute
        case "s": return p.second
        case "f": return p.ms
        default: return 0
        }
    }

    private static func component(_ m: Marker, _ millis: Double, _ offsetHours: Int, _ offsetMinutes: Int) throws -> String {
        let c = m.component
        if "YMDdFWwXxHhms".contains(c) {
            var value = fragment(c, millis)
            if c == "Y", m.n != -1 { value = value % Int(pow(10, Double(m.n))) }
            if let names = m.names {
                var text: String
                if c == "M" || c == "x" {
                    text = months[value - 1]
                } else if c == "F" {
                    text = days[value]
                } else {
                    throw EvalError("D3133", value: .string(String(c)))
                }
                if names == .upper { text = text.uppercased() } else if names == .lower { text = text.lowercased() }
                if let max = m.widthMax, text.count > max { text = String(text.prefix(max)) }
                return text
            }
            return try m.integerFormat!.format(value)
        }
        switch c {
        case "f":
            return try m.integerFormat!.format(fragment(c, millis))
        case "Z", "z":
            let offset = offsetHours * 100 + offsetMinutes
            let format = m.integerFormat!
            var text: String
            if format.regular {
                text = try format.format(offset)
            } else {
                let digits = format.mandatoryDigits
                if digits == 1 || digits == 2 {
                    text = try format.format(offsetHours)
                    if offsetMinutes != 0 { text += ":" + (try IntegerPicture("00").format(offsetMinutes)) }
                } else if digits == 3 || digits == 4 {
                    text = try format.format(offset)
                } else {
                    throw EvalError("D3134", value: .number(Double(digits)))
                }
            }
            if offset >= 0 { text = "+" + text }
            if c == "z" { text = "GMT" + text }
            if offset == 0 && m.presentation2 == "t" { text = "Z" }
            return text
        case "P":
            let pm = Civil.parts(millis).hour >= 12
            let text = pm ? "pm" : "am"
            return m.names == .upper ? text.uppercased() : text
        case "C", "E":
            return "ISO"
        default:
            throw EvalError("D3132", value: .string(String(c)))
        }
    }
}

extension DatePicture {
    /// Parses `text` against a picture (`$toMillis` with a picture): each marker becomes a
    /// field read from the text, literals must match exactly.
    static func parse(_ text: String, picture: String) throws -> Double? {
        let spec = try DatePicture(picture)
        return try DateParser(spec: spec, text: text).run()
    }
}
