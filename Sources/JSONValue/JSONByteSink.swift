/// Where JSON text is written: a byte array, or the serializer's own `JSONTextBuffer`.
protocol JSONByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>)
    /// Room for `extra` more bytes, where the sink can make it cheaply.
    mutating func reserveBytes(_ extra: Int)
}

extension Array: JSONByteSink where Element == UInt8 {
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
    /// Nothing: an array reserved piecemeal grows by exactly what is asked each time instead
    /// of doubling.
    mutating func reserveBytes(_ extra: Int) {}
}

/// The bytes of a JSON text while it is written.
///
/// Unsafe, for a measured reason: appending to a `[UInt8]` checks that the array is uniquely
/// referenced on every call, and serializing is mostly one- and few-byte appends. Through this
/// buffer the benchmark payloads serialize 40 % faster: Stripe 228 000 → 321 000/s, Shopify
/// 14 600 → 21 500/s (docs/performance.md, "Transforms and JSON against jsonata-js and V8"). The buffer
/// never leaves the serializer, which frees it before returning; every serialization test
/// goes through it.
struct JSONTextBuffer: JSONByteSink {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    /// Frees the storage; the buffer must not be used afterwards.
    func deallocate() { start.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    @inline(__always)
    mutating func reserveBytes(_ extra: Int) {
        if count + extra > capacity { grow(toHold: count + extra) }
    }

    private mutating func grow(toHold needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserveBytes(1)
        start[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserveBytes(bytes.count)
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        let copied: Void? = bytes.withContiguousStorageIfAvailable { appendBytes($0) }
        if copied == nil {
            for byte in bytes { append(byte) }
        }
    }
}
