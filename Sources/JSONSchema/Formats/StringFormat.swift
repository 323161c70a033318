/// The `format` values this library can assert (when `Options.formatAssertion` is on); other
/// names stay annotations, as the specs require. Each check follows the RFC the specs cite.
enum StringFormat: String, Sendable, CaseIterable {
    case dateTime = "date-time"
    case date
    case time
    case email
    case idnEmail = "idn-email"
    case hostname
    case idnHostname = "idn-hostname"
    case ipv4
    case ipv6
    case uri
    case uriReference = "uri-reference"
    case iri
    case iriReference = "iri-reference"
    case uriTemplate = "uri-template"
    case jsonPointer = "json-pointer"
    case relativeJSONPointer = "relative-json-pointer"
    case regex
    case uuid

    func accepts(_ text: String) -> Bool {
        switch self {
        case .dateTime: DateTimeFormat.isDateTime(text)
        case .date: DateTimeFormat.isDate(Array(text.utf8)[...])
        case .time: DateTimeFormat.isTime(Array(text.utf8)[...])
        case .email: EmailFormat.isEmail(text, international: false)
        case .idnEmail: EmailFormat.isEmail(text, international: true)
        case .hostname: HostnameFormat.isHostname(text, international: false)
        case .idnHostname: HostnameFormat.isHostname(text, international: true)
        case .ipv4: IPFormat.isIPv4(Substring(text))
        case .ipv6: IPFormat.isIPv6(Substring(text))
        case .uri: URIFormat.check(text, absolute: true, international: false)
        case .uriReference: URIFormat.check(text, absolute: false, international: false)
        case .iri: URIFormat.check(text, absolute: true, international: true)
        case .iriReference: URIFormat.check(text, absolute: false, international: true)
        case .uriTemplate: URIFormat.isTemplate(text)
        case .jsonPointer: JSONPointer.tokens(text) != nil
        case .relativeJSONPointer: Self.isRelativeJSONPointer(text)
        case .regex: (try? ECMARegex(text)) != nil
        case .uuid: Self.isUUID(text)
        }
    }

    /// A non-negative integer without leading zeros, then `#` or a JSON Pointer.
    private static func isRelativeJSONPointer(_ text: String) -> Bool {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits == "0" || !digits.hasPrefix("0") else { return false }
        let rest = String(text.dropFirst(digits.count))
        return rest == "#" || JSONPointer.tokens(rest) != nil
    }

    /// RFC 4122's textual form: 8-4-4-4-12 hexadecimal digits.
    private static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (i, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if hexValue(byte) == nil {
                return false
            }
        }
        return true
    }
}

/// RFC 3339 §5.6 dates and times.
enum DateTimeFormat {
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count > 11, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else {
            return false
        }
        return isDate(bytes[..<10]) && isTime(bytes[11...])
    }

    static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let b = Array(bytes)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let year = number(b[0..<4]), let month = number(b[5..<7]), let day = number(b[8..<10]),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// `HH:MM:SS[.frac](Z|±HH:MM)`; second 60 only where the UTC time is 23:59:60.
    static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        let b = Array(bytes)
        guard b.count >= 9, b[2] == UInt8(ascii: ":"), b[5] == UInt8(ascii: ":"),
            let hour = number(b[0..<2]), let minute = number(b[3..<5]), let second = number(b[6..<8]),
            hour < 24, minute < 60, second <= 60
        else { return false }
        var i = 8
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, b[i + 3] == UInt8(ascii: ":"),
                let offsetHour = number(b[(i + 1)..<(i + 3)]), let offsetMinute = number(b[(i + 4)..<(i + 6)]),
                offsetHour < 24, offsetMinute < 60
            else { return false }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
}
