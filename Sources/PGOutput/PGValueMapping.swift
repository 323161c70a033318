public import JSONValue

/// A column value in PostgreSQL's text output → the JSON value of the change payload. Pure.
///
/// The decoding session is expected to run with `DateStyle = ISO`, `bytea_output = hex` and
/// `extra_float_digits = 1` (the capture loop sets them); a value this mapping cannot read in
/// those formats is kept as PostgreSQL's text rather than guessed at.
public enum PGValueMapping {
    public static func json(_ text: [UInt8], as type: PGType) -> JSON {
        let string = String(decoding: text, as: UTF8.self)
        switch type {
        case .text:
            return .string(string)
        case .bool:
            switch string {
            case "t": return .bool(true)
            case "f": return .bool(false)
            default: return .string(string)
            }
        case .smallInteger:
            guard let value = Int64(string) else { return .string(string) }
            return .number(Double(value))
        case .bigInteger:
            return integer(string)
        case .numeric:
            return exactNumber(string)
        case .float:
            guard let value = Double(string), value.isFinite else { return .string(string) }
            return .number(value)
        case .timestamp:
            return .string(PGDateTime.isoTimestamp(string, withZone: false) ?? string)
        case .timestampWithZone:
            return .string(PGDateTime.isoTimestamp(string, withZone: true) ?? string)
        case .json:
            return (try? JSON(parsing: string)) ?? .string(string)
        case .bytea:
            guard let bytes = hexBytes(text) else { return .string(string) }
            return .string(base64(bytes))
        case .array(let element, let delimiter):
            guard let parsed = PGArrayText.parse(text, delimiter: delimiter) else { return .string(string) }
            return parsed.json { json($0, as: element) }
        }
    }

    /// The largest magnitude below which every integer is exactly a double: 2^53.
    static let exactIntegerLimit: Int64 = 1 << 53

    /// int8: a number while a double holds it exactly (|n| ≤ 2^53), else its digits as a string.
    static func integer(_ text: String) -> JSON {
        guard let value = Int64(text) else { return .string(text) }
        guard value.magnitude <= UInt64(exactIntegerLimit) else { return .string(text) }
        return .number(Double(value))
    }

    /// numeric: a JSON number only when the nearest double, written as JavaScript writes it,
    /// is the same decimal value (`99.00` → 99, `0.1` → 0.1); otherwise — more digits than a
    /// double keeps, or NaN/Infinity — the exact text as a string. Never rounded.
    static func exactNumber(_ text: String) -> JSON {
        guard let value = Double(text), value.isFinite, let exact = DecimalText(text),
            DecimalText(JSNumberFormat.string(value)) == exact
        else { return .string(text) }
        return .number(value)
    }

    /// `\x0a1b…` (bytea's hex output) → the bytes; `nil` for any other form.
    static func hexBytes(_ text: [UInt8]) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2 - 1)
        var i = 2
        while i < text.count {
            guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// Standard base64 with padding (RFC 4648 §4), what `Buffer.from(s, "base64")` reads.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
