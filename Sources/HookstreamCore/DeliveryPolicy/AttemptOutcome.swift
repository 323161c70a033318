public import Foundation

/// How a transport-level failure happened, as the delivery provider reports it.
public enum TransportErrorKind: String, CaseIterable, Codable, Hashable, Sendable {
    /// Connect, write or response deadline exceeded.
    case timeout
    case connectionRefused
    case connectionReset
    /// The host name did not resolve.
    case dnsFailure
    /// Handshake or certificate failure.
    case tls
    /// Any other failure to exchange a request and response.
    case other
}

/// What happened when hookstream tried to deliver an event once.
public enum AttemptOutcome: Hashable, Sendable {
    /// The destination answered with this HTTP status (for non-HTTP providers, the status of
    /// the provider API they call).
    case response(statusCode: Int)
    /// The service answered with this (2xx) status but did not take the message: RabbitMQ's
    /// `routed: false`, an EventBridge entry that failed, a Kafka record with an error code.
    case rejected(statusCode: Int)
    /// No usable response.
    case transportError(TransportErrorKind)
    /// The connection's transform failed before anything was sent.
    case transformError
    /// The circuit breaker held the delivery; nothing was sent.
    case circuitOpen
}

/// The policy facts about an ``AttemptOutcome``, from ``AttemptOutcome/classification``.
public struct AttemptClassification: Hashable, Sendable {
    /// A 2xx response.
    public let isSuccess: Bool
    /// Whether a failure is worth another attempt under the retry policy; when false the
    /// delivery dead-letters at once.
    public let isRetryable: Bool
    /// The issue a failure opens or updates; `nil` on success.
    public let issueType: IssueType?
    /// Whether the result says something about the destination's health, so it must be
    /// reported to the circuit breaker (`recordSuccess`/`recordFailure`). False when nothing
    /// reached the destination (transform error, circuit open).
    public let affectsCircuit: Bool
    /// Whether the attempt counts toward `retry_max_attempts` and is recorded as a delivery
    /// attempt. False only for a circuit-open hold, which is a wait, not an attempt.
    public let consumesAttempt: Bool
    /// Whether the response's `Retry-After` should be honoured (429 and 503).
    public let honoursRetryAfter: Bool
}

extension AttemptOutcome {
    /// Classifies the outcome.
    ///
    /// Decisions, following the spec where it speaks:
    /// - **Every non-2xx response is a retryable failure, 4xx included.** The retry strategies
    ///   guide says a delivery is retried on a "non-2xx status or network error", with no
    ///   exception for client errors. Many gateways give up on 4xx other than 408/429; hookstream
    ///   does not, because a receiver's 401/404 is often a deploy or configuration mistake that
    ///   gets fixed within the retry window, and the policy bounds the cost anyway.
    /// - 4xx (and 1xx/3xx) → `http_4xx`; 5xx and statuses outside 100–599 → `http_5xx`.
    /// - Timeouts → `timeout`; refused, reset, DNS and TLS failures → `connection_error`; all
    ///   retryable, all circuit failures.
    /// - A transform error is not retryable: the same expression on the same event fails the
    ///   same way, so the delivery goes to the DLQ at once with a `transform_error` issue (retry
    ///   it from there after fixing the transform). It does not count against the circuit.
    /// - A circuit-open hold is not an attempt: it consumes nothing, it is "retryable" in that
    ///   the delivery stays pending until the circuit lets it through; its issue type names the
    ///   issue opened when the circuit opens.
    public var classification: AttemptClassification {
        switch self {
        case .response(let status) where (200..<300).contains(status):
            return AttemptClassification(
                isSuccess: true, isRetryable: false, issueType: nil, affectsCircuit: true, consumesAttempt: true,
                honoursRetryAfter: false)
        case .response(let status):
            let serverSide = status >= 500 || status < 100
            return AttemptClassification(
                isSuccess: false, isRetryable: true, issueType: serverSide ? .http5xx : .http4xx,
                affectsCircuit: true, consumesAttempt: true, honoursRetryAfter: RetryAfter.applies(toStatus: status))
        case .rejected:
            // The service is up and answering; what it refused is this message as configured
            // (no route, no bus), like a 4xx: retried, and counted by the circuit.
            return AttemptClassification(
                isSuccess: false, isRetryable: true, issueType: .http4xx, affectsCircuit: true, consumesAttempt: true,
                honoursRetryAfter: false)
        case .transportError(let kind):
            return AttemptClassification(
                isSuccess: false, isRetryable: true, issueType: kind == .timeout ? .timeout : .connectionError,
                affectsCircuit: true, consumesAttempt: true, honoursRetryAfter: false)
        case .transformError:
            return AttemptClassification(
                isSuccess: false, isRetryable: false, issueType: .transformError, affectsCircuit: false,
                consumesAttempt: true, honoursRetryAfter: false)
        case .circuitOpen:
            return AttemptClassification(
                isSuccess: false, isRetryable: true, issueType: .circuitOpen, affectsCircuit: false,
                consumesAttempt: false, honoursRetryAfter: false)
        }
    }
}

extension RetryPolicy {
    /// What to do after attempt number `attempt` ended with `outcome` (a failure).
    ///
    /// A non-retryable outcome dead-letters at once; `retryAfter` is used only when the
    /// outcome honours it (429/503). Call it for outcomes that consumed an attempt; a
    /// circuit-open hold is answered by ``CircuitBreaker/Permission/wait(until:)`` instead.
    public func decision(
        afterFailedAttempt attempt: Int, outcome: AttemptOutcome, retryAfter: TimeInterval? = nil
    ) -> RetryDecision {
        let classification = outcome.classification
        guard classification.isRetryable else { return .deadLetter }
        return decision(afterFailedAttempt: attempt, retryAfter: classification.honoursRetryAfter ? retryAfter : nil)
    }
}
