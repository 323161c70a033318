/// Number-to-text conversion exactly as JavaScript's `Number.prototype.toString()` does it
/// (ECMA-262 "Number::toString"): shortest round-trip digits, plain decimal notation for
/// magnitudes in [1e-7, 1e21), exponent notation outside. JSONata output and JSON written by
/// hookstream must agree with what JavaScript receivers would produce.
public enum JSNumberFormat {
    public static func string(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == 0 { return "0" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value < 0 { return "-" + string(-value) }
        // Integer test without libm: this module links into executables that import nothing else.
        if value < 1e15, value == Double(Int64(value)) {
            return String(Int64(value))
        }
        let (digits, n) = shortestDigits(value)
        let k = digits.count
        if k <= n && n <= 21 {
            return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(decoding: digits[0..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(decoding: digits, as: UTF8.self)
        }
        let exponent = n - 1
        let sign = exponent < 0 ? "-" : "+"
        let mantissa: String
        if k == 1 {
            mantissa = String(decoding: digits, as: UTF8.self)
        } else {
            mantissa = String(UnicodeScalar(digits[0])) + "." + String(decoding: digits[1...], as: UTF8.self)
        }
        return mantissa + "e" + sign + String(abs(exponent))
    }

    /// The shortest decimal digits `s` (no leading or trailing zeros) and exponent `n` with
    /// `value == 0.s × 10^n`, taken from Swift's shortest round-trip description.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
        let text = value.description  // e.g. "123.45", "1e-07", "1.5e+21"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(integerPart.utf8) + Array(fraction.utf8)
        var n = integerPart.utf8.count + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return ([UInt8(ascii: "0")], 1) }
        return (digits, n)
    }
}
