/// Number-to-text conversion exactly as JavaScript's `Number.prototype.toString()` does it
/// (ECMA-262 "Number::toString"): shortest round-trip digits, plain decimal notation for
/// magnitudes in [1e-7, 1e21), exponent notation outside. JSONata output and JSON written by
/// hookstream must agree with what JavaScript receivers would produce.
public enum JSNumberFormat {
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the text of `value` to `out` without building a `String` on the common paths:
    /// serializing a document is mostly writing numbers and strings.
    public static func write(_ value: Double, to out: inout [UInt8]) {
        append(value, to: &out)
    }

    static func append<Sink: JSONByteSink>(_ value: Double, to out: inout Sink) {
        if value.isNaN { return out.append(contentsOf: "NaN".utf8) }
        if value == 0 { return out.append(UInt8(ascii: "0")) }
        if value.isInfinite { return out.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8) }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = Swift.abs(value)
        // Integers up to 2^53 are their own shortest digits, so JavaScript prints them exactly.
        // (The test avoids libm: this module links into executables that import nothing else.)
        if magnitude <= 9_007_199_254_740_992, magnitude == Double(UInt64(magnitude)) {
            return writeDigits(of: UInt64(magnitude), to: &out)
        }
        // Swift's description has the same shortest round-trip digits; wherever it writes a
        // non-integer in plain decimal notation (1e-4 up to 2^53) JavaScript does too,
        // character for character.
        let description = magnitude.description
        if !description.utf8.contains(UInt8(ascii: "e")) {
            return out.append(contentsOf: description.utf8)
        }
        writeFromDigits(magnitude, to: &out)
    }

    static func writeDigits<Sink: JSONByteSink>(of integer: UInt64, to out: inout Sink) {
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &buffer) { bytes in
            var end = bytes.count
            var rest = integer
            repeat {
                end -= 1
                bytes[end] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest != 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[end...]))
        }
    }

    /// The general case, from the shortest digits and decimal exponent (ECMA-262 steps 6–10).
    static func writeFromDigits<Sink: JSONByteSink>(_ value: Double, to out: inout Sink) {
        let (digits, n) = shortestDigits(value)
        let k = digits.count
        if k <= n && n <= 21 {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[0..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            let exponent = n - 1
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(contentsOf: (exponent < 0 ? "e-" : "e+").utf8)
            writeDigits(of: UInt64(Swift.abs(exponent)), to: &out)
        }
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
