import Foundation
import JSONValue

/// `$string` and the `&` operator: strings unchanged, functions empty, everything else as
/// JSON with numbers rounded to 15 significant digits (the reference's
/// `Number(n.toPrecision(15))`).
func stringify(_ value: Value, pretty: Bool = false) throws -> String {
    switch value {
    case .string(let s): return s
    case .function: return ""
    case .number(let n) where !n.isFinite:
        throw EvalError("D3001", value: value)
    default:
        var out = ""
        var v = value
        if case .array(let s) = value, s.outerWrapper, let first = s.items.first { v = first }
        try writeJSON(v, into: &out, pretty: pretty, indent: 0)
        return out
    }
}

func roundTo15(_ n: Double) -> Double {
    guard n.isFinite, n != 0 else { return n }
    return Double(String(format: "%.14e", n)) ?? n
}

func formatNumber15(_ n: Double) -> String { JSNumberFormat.string(roundTo15(n)) }

private func writeJSON(_ value: Value, into out: inout String, pretty: Bool, indent: Int) throws {
    switch value {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let n):
        if n.isInfinite { throw EvalError("D1001", value: value) }
        out += n.isFinite ? formatNumber15(n) : "null"
    case .string(let s): writeString(s, into: &out)
    case .function: out += "\"\""
    case .jarray, .array:
        let items = value.arrayItems!
        if items.isEmpty { out += "[]"; return }
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
            try writeJSON(item, into: &out, pretty: pretty, indent: indent + 2)
        }
        if pretty { out += "\n" + String(repeating: " ", count: indent) }
        out += "]"
    case .jobject, .object:
        let members = value.objectMembers!
        if members.isEmpty { out += "{}"; return }
        out += "{"
        for (i, (k, v)) in members.enumerated() {
            if i > 0 { out += "," }
            if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
            writeString(k, into: &out)
            out += pretty ? ": " : ":"
            try writeJSON(v, into: &out, pretty: pretty, indent: indent + 2)
        }
        if pretty { out += "\n" + String(repeating: " ", count: indent) }
        out += "}"
    }
}

private func writeString(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
}
