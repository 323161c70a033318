import Foundation

/// What to do with a delivery after an attempt failed.
public enum RetryDecision: Hashable, Sendable {
    /// Attempt again this many seconds from now.
    case retry(after: TimeInterval)
    /// Attempts are exhausted (or the failure cannot be fixed by retrying): move the delivery
    /// to the dead-letter queue and open or update an issue.
    case deadLetter
}

extension RetryPolicy {
    /// The delay before retry number `retry` (1 = the second attempt), exactly as the retry
    /// strategies guide defines each strategy; jitter-free, so schedules are reproducible.
    ///
    /// - exponential: `intervals[retry - 1]`, the last value once past the end of the array
    ///   (with the defaults: 30 s, 5 min, 30 min, 2 h, 24 h, 24 h, …);
    /// - linear: `intervals[0] × retry`;
    /// - fixed: `intervals[0]`.
    public func delay(beforeRetry retry: Int) -> TimeInterval {
        let retry = max(retry, 1)
        switch backoff {
        case .exponential: return intervals[min(retry - 1, intervals.count - 1)]
        case .linear: return intervals[0] * Double(retry)
        case .fixed: return intervals[0]
        }
    }

    /// The longest wait a receiver's `Retry-After` can impose: the larger of the biggest value
    /// in `retry_intervals` and the longest delay this policy schedules by itself (which, for
    /// linear backoff, can exceed every entry). A receiver asking for a year waits this long
    /// instead, so one misbehaving endpoint cannot park deliveries beyond the policy's own reach.
    public var retryAfterCap: TimeInterval {
        let retries = max(maxAttempts - 1, 0)
        let scheduled = (0..<retries).map { delay(beforeRetry: $0 + 1) }.max() ?? 0
        return max(intervals.max() ?? 0, scheduled)
    }

    /// The time from the first attempt's failure to the last attempt, when every wait is the
    /// policy's own (no `Retry-After`): the "max retry window" a queued delivery can outlive.
    public var totalRetryWindow: TimeInterval {
        (0..<max(maxAttempts - 1, 0)).reduce(0) { $0 + delay(beforeRetry: $1 + 1) }
    }

    /// What to do after attempt number `attempt` (1-based) failed.
    ///
    /// `retry_max_attempts` counts every attempt, the first included: with the default 5, the
    /// failures of attempts 1–4 are retried and the failure of attempt 5 dead-letters.
    ///
    /// - Parameters:
    ///   - attempt: the number of the attempt that just failed (values below 1 count as 1).
    ///   - retryAfter: seconds the receiver asked to wait (`Retry-After` on a 429 or 503, see
    ///     ``RetryAfter``). The next attempt is scheduled no earlier than that, but never later
    ///     than ``retryAfterCap``; a smaller request than the policy's own delay changes nothing.
    public func decision(afterFailedAttempt attempt: Int, retryAfter: TimeInterval? = nil) -> RetryDecision {
        guard attempt < maxAttempts else { return .deadLetter }
        let scheduled = delay(beforeRetry: max(attempt, 1))
        guard let retryAfter, retryAfter.isFinite, retryAfter > scheduled else { return .retry(after: scheduled) }
        return .retry(after: max(scheduled, min(retryAfter, retryAfterCap)))
    }
}
