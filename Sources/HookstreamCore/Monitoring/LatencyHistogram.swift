import Foundation

/// A mergeable latency histogram with fixed bins, so per-hour rollups written by any node can be
/// added together (bin by bin) and percentiles read from the sum.
///
/// Bins: every whole millisecond below ``exactLimit`` has its own bin (exact), above it the
/// bins grow by a factor of ``growth`` (1 %). A percentile is read as the nearest-rank value's
/// bin and reported as that bin's geometric middle, rounded to a millisecond, so it is within
/// `sqrt(1.01) - 1` (0.5 %) plus half a millisecond of the exact nearest-rank value: under
/// 0.55 % for any latency of 1 s or more, and exact below.
public struct LatencyHistogram: Sendable, Equatable {
    public static let exactLimit: Int64 = 1000
    public static let growth = 1.01
    /// Anything at or above this (an hour) shares the last bin.
    public static let ceiling: Int64 = 3_600_000

    /// Bin index → count.
    public private(set) var counts: [Int: Int64] = [:]
    public private(set) var total: Int64 = 0

    public init() {}

    public init(counts: [Int: Int64]) {
        for (bin, n) in counts where n > 0 { add(bin: bin, count: n) }
    }

    public static func bin(forMillis value: Int64) -> Int {
        let v = min(max(value, 0), ceiling)
        if v < exactLimit { return Int(v) }
        return Int(exactLimit) + Int((log(Double(v) / Double(exactLimit)) / log(growth)).rounded(.down))
    }

    /// The value a bin stands for: itself below the exact limit, otherwise the geometric middle
    /// of the bin's bounds.
    public static func representative(ofBin bin: Int) -> Int64 {
        if bin < Int(exactLimit) { return Int64(bin) }
        let lower = Double(exactLimit) * pow(growth, Double(bin - Int(exactLimit)))
        return Int64((lower * growth.squareRoot()).rounded())
    }

    public mutating func record(millis: Int64) { add(bin: Self.bin(forMillis: millis), count: 1) }

    public mutating func add(bin: Int, count: Int64) {
        counts[bin, default: 0] += count
        total += count
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for (bin, n) in other.counts { add(bin: bin, count: n) }
    }

    /// The nearest-rank percentile (`p` in 0...100): the value at rank `ceil(p/100 * total)`;
    /// `nil` when empty.
    public func percentile(_ p: Double) -> Int64? {
        percentiles([p])[0]
    }

    /// Several percentiles from one ordered walk of the bins: a busy hour fills hundreds of
    /// them, and the metrics API asks for three at a time.
    public func percentiles(_ ps: [Double]) -> [Int64?] {
        guard total > 0 else { return ps.map { _ in nil } }
        let ranks = ps.map { max(1, Int64(($0 * Double(total) / 100).rounded(.up))) }
        let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
        var answers = [Int64?](repeating: nil, count: ps.count)
        var next = 0
        var seen: Int64 = 0
        for (bin, n) in counts.sorted(by: { $0.key < $1.key }) {
            seen += n
            while next < order.count, seen >= ranks[order[next]] {
                answers[order[next]] = Self.representative(ofBin: bin)
                next += 1
            }
            if next == order.count { break }
        }
        let last = counts.keys.max().map(Self.representative(ofBin:))
        for i in order[next...] { answers[i] = last }
        return answers
    }

    /// The exact nearest-rank percentile of raw values, as ``percentile(_:)`` approximates it.
    public static func exactPercentile(_ p: Double, of values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, Int((p * Double(sorted.count) / 100).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }
}
