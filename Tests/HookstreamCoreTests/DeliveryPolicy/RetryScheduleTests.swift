import Foundation
import HookstreamCore
import Testing

@Suite struct RetryScheduleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let policy: RetryPolicy
        let failedAttempt: Int
        let retryAfter: TimeInterval?
        let expected: RetryDecision
        init(_ policy: RetryPolicy, _ failedAttempt: Int, retryAfter: TimeInterval? = nil, _ expected: RetryDecision) {
            self.policy = policy
            self.failedAttempt = failedAttempt
            self.retryAfter = retryAfter
            self.expected = expected
        }
        var testDescription: String {
            "\(policy.backoff) \(policy.intervals) max \(policy.maxAttempts), attempt \(failedAttempt) failed"
                + (retryAfter.map { ", Retry-After \($0)" } ?? "") + " → \(expected)"
        }
    }

    static let defaults = RetryPolicy.default
    static let exp10 = try! RetryPolicy(maxAttempts: 10)
    static let linear = try! RetryPolicy(maxAttempts: 6, backoff: .linear, intervals: [30, 999])
    static let fixed = try! RetryPolicy(maxAttempts: 4, backoff: .fixed, intervals: [30, 300])
    static let fast = try! RetryPolicy(maxAttempts: 3, backoff: .exponential, intervals: [0.2, 0.5])
    static let single = try! RetryPolicy(maxAttempts: 1)
    static let linearOneEntry = try! RetryPolicy(maxAttempts: 6, backoff: .linear, intervals: [30])

    @Test(arguments: [
        // Exponential with the defaults: 30 s, 5 min, 30 min, 2 h; the 5th failure dead-letters.
        Row(defaults, 1, .retry(after: 30)),
        Row(defaults, 2, .retry(after: 300)),
        Row(defaults, 3, .retry(after: 1800)),
        Row(defaults, 4, .retry(after: 7200)),
        Row(defaults, 5, .deadLetter),
        Row(defaults, 6, .deadLetter),
        Row(defaults, 0, .retry(after: 30)),
        // Past the end of the array the last value repeats.
        Row(exp10, 5, .retry(after: 86400)),
        Row(exp10, 6, .retry(after: 86400)),
        Row(exp10, 9, .retry(after: 86400)),
        Row(exp10, 10, .deadLetter),
        Row(fast, 1, .retry(after: 0.2)),
        Row(fast, 2, .retry(after: 0.5)),
        Row(fast, 3, .deadLetter),
        // Linear: intervals[0] × retry number; later entries are ignored.
        Row(linear, 1, .retry(after: 30)),
        Row(linear, 2, .retry(after: 60)),
        Row(linear, 3, .retry(after: 90)),
        Row(linear, 5, .retry(after: 150)),
        Row(linear, 6, .deadLetter),
        // Fixed: intervals[0] every time.
        Row(fixed, 1, .retry(after: 30)),
        Row(fixed, 2, .retry(after: 30)),
        Row(fixed, 3, .retry(after: 30)),
        Row(fixed, 4, .deadLetter),
        // One attempt in total: the first failure dead-letters.
        Row(single, 1, .deadLetter),
    ])
    func schedule(_ row: Row) {
        #expect(row.policy.decision(afterFailedAttempt: row.failedAttempt, retryAfter: row.retryAfter) == row.expected)
    }

    static let retryAfterRows: [Row] = [
        // A longer Retry-After pushes the next attempt out...
        Row(defaults, 1, retryAfter: 120, .retry(after: 120)),
        // ...a shorter one changes nothing...
        Row(defaults, 2, retryAfter: 10, .retry(after: 300)),
        Row(defaults, 2, retryAfter: 0, .retry(after: 300)),
        // ...and it is capped at the largest interval.
        Row(defaults, 1, retryAfter: 10_000_000, .retry(after: 86400)),
        Row(defaults, 4, retryAfter: 90000, .retry(after: 86400)),
        Row(fast, 1, retryAfter: 60, .retry(after: 0.5)),
        Row(fixed, 1, retryAfter: 3600, .retry(after: 300)),
        // Linear can schedule beyond every entry; the cap follows the policy's own longest wait.
        Row(linear, 1, retryAfter: 3600, .retry(after: 999)),
        Row(linearOneEntry, 1, retryAfter: 3600, .retry(after: 150)),
        // The last attempt dead-letters whatever the receiver asks.
        Row(defaults, 5, retryAfter: 1, .deadLetter),
        Row(defaults, 1, retryAfter: Double.infinity, .retry(after: 30)),
        Row(defaults, 1, retryAfter: Double.nan, .retry(after: 30)),
    ]

    @Test(arguments: retryAfterRows)
    func retryAfterIsAFloorUpToTheCap(_ row: Row) {
        #expect(row.policy.decision(afterFailedAttempt: row.failedAttempt, retryAfter: row.retryAfter) == row.expected)
    }

    @Test func capAndWindowForTheDefaults() {
        #expect(Self.defaults.retryAfterCap == 86400)
        #expect(Self.defaults.totalRetryWindow == 9330)  // 30 + 300 + 1800 + 7200
        #expect(Self.exp10.totalRetryWindow == 441_330)  // the same + 5 × 86400
        #expect(Self.linear.totalRetryWindow == 450)  // 30 × (1 + 2 + 3 + 4 + 5)
        #expect(Self.single.totalRetryWindow == 0)
        #expect(Self.single.retryAfterCap == 86400)
    }

    @Test func delayBeforeRetryFollowsEachStrategy() {
        #expect((1...7).map(Self.defaults.delay(beforeRetry:)) == [30, 300, 1800, 7200, 86400, 86400, 86400])
        #expect((1...4).map(Self.linear.delay(beforeRetry:)) == [30, 60, 90, 120])
        #expect((1...4).map(Self.fixed.delay(beforeRetry:)) == [30, 30, 30, 30])
    }
}
