/// Builds pgoutput messages byte by byte, the way PostgreSQL's `logicalrep_write_*` functions
/// lay them out, so each test states its fixture field by field.
struct Bytes {
    var bytes: [UInt8] = []

    func tag(_ c: Character) -> Bytes { appending([c.asciiValue!]) }
    func u8(_ v: UInt8) -> Bytes { appending([v]) }
    func i16(_ v: Int16) -> Bytes { appending(be(UInt64(UInt16(bitPattern: v)), 2)) }
    func i32(_ v: Int32) -> Bytes { appending(be(UInt64(UInt32(bitPattern: v)), 4)) }
    func u32(_ v: UInt32) -> Bytes { appending(be(UInt64(v), 4)) }
    func i64(_ v: Int64) -> Bytes { appending(be(UInt64(bitPattern: v), 8)) }
    func u64(_ v: UInt64) -> Bytes { appending(be(v, 8)) }
    func cString(_ s: String) -> Bytes { appending(Array(s.utf8) + [0]) }

    /// TupleData: a count, then per column `n`, `u` or `t` + length + text.
    func tuple(_ values: [String?]) -> Bytes {
        var out = i16(Int16(values.count))
        for value in values {
            switch value {
            case nil: out = out.tag("n")
            case "\u{0}toast": out = out.tag("u")
            case let text?: out = out.tag("t").i32(Int32(text.utf8.count)).appending(Array(text.utf8))
            }
        }
        return out
    }

    private func appending(_ more: [UInt8]) -> Bytes { Bytes(bytes: bytes + more) }

    private func be(_ v: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}

/// An unchanged-TOAST marker for ``Bytes/tuple(_:)``.
let toast: String? = "\u{0}toast"

func hex(_ text: some StringProtocol) -> [UInt8] {
    var out: [UInt8] = []
    var chars = text.utf8.makeIterator()
    while let h = chars.next(), let l = chars.next() {
        out.append(UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)!)
    }
    return out
}
