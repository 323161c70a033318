import Foundation
import HookstreamCore
import Testing

@Suite struct LatencyHistogramTests {
    /// A deterministic spread from 1 ms to minutes, heavy-tailed like real latencies.
    static func sample(_ n: Int, seed: UInt64) -> [Int64] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            return Int64(exp(u * u * 12.5))  // 1 ms … ~270 s
        }
    }

    static let bins: [(Int64, Int)] = [(0, 0), (999, 999), (1000, 1000), (1009, 1000), (1010, 1001), (3_600_000, 1822), (9_000_000, 1822), (-5, 0)]

    @Test(arguments: bins)
    func binsAreExactBelowOneSecondAndLogarithmicAbove(_ value: Int64, _ bin: Int) {
        #expect(LatencyHistogram.bin(forMillis: value) == bin)
    }

    @Test func everyValueIsWithinItsBinsStatedAccuracy() {
        for v in Int64(0)...200_000 where v < 1000 || v % 7 == 0 {
            let rep = LatencyHistogram.representative(ofBin: LatencyHistogram.bin(forMillis: v))
            if v < LatencyHistogram.exactLimit {
                #expect(rep == v)
            } else {
                #expect(abs(Double(rep - v)) / Double(v) <= 0.0055, "\(v) → \(rep)")
            }
        }
    }

    /// Several percentiles read in one walk, asked in any order, are the ones asked alone.
    @Test func percentilesReadTogetherEqualEachReadAlone() {
        var h = LatencyHistogram()
        for v in Self.sample(5_000, seed: 7) { h.record(millis: v) }
        let asked: [Double] = [99, 1, 50, 100, 95, 50, 0]
        #expect(h.percentiles(asked) == asked.map { h.percentile($0) })
        #expect(h.percentiles(asked).allSatisfy { $0 != nil })
        #expect(LatencyHistogram().percentiles([50, 99]) == [nil, nil])
    }

    @Test func percentilesAreWithinOnePercentOfExact() throws {
        let values = Self.sample(20_000, seed: 42)
        var h = LatencyHistogram()
        for v in values { h.record(millis: v) }
        #expect(h.total == 20_000)
        for p in [1.0, 50, 90, 95, 99, 99.9, 100] {
            let exact = try #require(LatencyHistogram.exactPercentile(p, of: values))
            let estimate = try #require(h.percentile(p))
            #expect(abs(Double(estimate - exact)) <= max(0, Double(exact) * 0.01), "p\(p): \(estimate) vs \(exact)")
        }
    }

    @Test func mergingEqualsRecordingEverythingInOne() {
        let a = Self.sample(500, seed: 1), b = Self.sample(700, seed: 2)
        var left = LatencyHistogram(), right = LatencyHistogram(), all = LatencyHistogram()
        for v in a { left.record(millis: v); all.record(millis: v) }
        for v in b { right.record(millis: v); all.record(millis: v) }
        left.merge(right)
        #expect(left == all)
        #expect(LatencyHistogram(counts: all.counts) == all)
    }

    @Test func nearestRankMatchesTheDefinition() {
        #expect(LatencyHistogram.exactPercentile(95, of: Array(1...20)) == 19)
        #expect(LatencyHistogram.exactPercentile(50, of: [5]) == 5)
        #expect(LatencyHistogram.exactPercentile(50, of: []) == nil)
        #expect(LatencyHistogram().percentile(50) == nil)
    }
}
