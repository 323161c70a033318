/// A decimal value in a canonical form, for comparing two decimal texts by value
/// (`99.00` = `99` = `9.9e1`) without going through a binary floating point.
struct DecimalText: Equatable {
    var negative: Bool
    /// The significant digits, no leading or trailing zeros; empty for zero.
    var digits: [UInt8]
    /// The value is `0.digits × 10^exponent`.
    var exponent: Int

    /// Reads `[-+]digits[.digits][e[-+]digits]`; `nil` for anything else.
    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var mantissa: [UInt8] = []
        var pointPosition: Int?
        var sawDigit = false
        while let c = bytes.first, c != UInt8(ascii: "e"), c != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if c == UInt8(ascii: ".") {
                guard pointPosition == nil else { return nil }
                pointPosition = mantissa.count
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                mantissa.append(c - UInt8(ascii: "0"))
                sawDigit = true
            } else {
                return nil
            }
        }
        guard sawDigit else { return nil }
        var exponent10 = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            guard let e = Int(String(decoding: bytes, as: UTF8.self)), abs(e) < 1_000_000 else { return nil }
            exponent10 = e
        }
        // value = 0.mantissa × 10^(pointPosition + exponent10)
        var exponent = (pointPosition ?? mantissa.count) + exponent10
        while mantissa.first == 0 {
            mantissa.removeFirst()
            exponent -= 1
        }
        while mantissa.last == 0 { mantissa.removeLast() }
        if mantissa.isEmpty {
            negative = false
            exponent = 0
        }
        digits = mantissa
        self.exponent = exponent
    }
}
