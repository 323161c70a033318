import Foundation
import HookstreamCore
import Testing

@Suite struct AttemptClassificationTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let outcome: AttemptOutcome
        let success: Bool
        let retryable: Bool
        let issue: IssueType?
        let circuit: Bool
        let consumes: Bool
        let retryAfter: Bool
        var testDescription: String { "\(outcome)" }
    }

    private static func status(
        _ code: Int, _ success: Bool, _ issue: IssueType?, retryAfter: Bool = false
    ) -> Row {
        Row(
            outcome: .response(statusCode: code), success: success, retryable: !success, issue: issue, circuit: true,
            consumes: true, retryAfter: retryAfter)
    }

    private static func transport(_ kind: TransportErrorKind, _ issue: IssueType) -> Row {
        Row(
            outcome: .transportError(kind), success: false, retryable: true, issue: issue, circuit: true,
            consumes: true, retryAfter: false)
    }

    static let rows: [Row] = [
        status(200, true, nil), status(201, true, nil), status(202, true, nil), status(204, true, nil),
        status(299, true, nil),
        status(100, false, .http4xx), status(199, false, .http4xx), status(301, false, .http4xx),
        status(304, false, .http4xx), status(308, false, .http4xx),
        status(400, false, .http4xx), status(401, false, .http4xx), status(404, false, .http4xx),
        status(408, false, .http4xx), status(410, false, .http4xx), status(413, false, .http4xx),
        status(422, false, .http4xx), status(429, false, .http4xx, retryAfter: true), status(499, false, .http4xx),
        status(500, false, .http5xx), status(502, false, .http5xx),
        status(503, false, .http5xx, retryAfter: true), status(504, false, .http5xx), status(599, false, .http5xx),
        // A 2xx that refused the message (EventBridge failed entry, RabbitMQ unroutable).
        Row(outcome: .rejected(statusCode: 200), success: false, retryable: true, issue: .http4xx, circuit: true, consumes: true, retryAfter: false),
        status(600, false, .http5xx), status(0, false, .http5xx), status(-1, false, .http5xx),
        transport(.timeout, .timeout),
        transport(.connectionRefused, .connectionError), transport(.connectionReset, .connectionError),
        transport(.dnsFailure, .connectionError), transport(.tls, .connectionError),
        transport(.other, .connectionError),
        Row(
            outcome: .transformError, success: false, retryable: false, issue: .transformError, circuit: false,
            consumes: true, retryAfter: false),
        Row(
            outcome: .circuitOpen, success: false, retryable: true, issue: .circuitOpen, circuit: false,
            consumes: false, retryAfter: false),
    ]

    @Test(arguments: rows)
    func classifies(_ row: Row) {
        let c = row.outcome.classification
        #expect(c.isSuccess == row.success)
        #expect(c.isRetryable == row.retryable)
        #expect(c.issueType == row.issue)
        #expect(c.affectsCircuit == row.circuit)
        #expect(c.consumesAttempt == row.consumes)
        #expect(c.honoursRetryAfter == row.retryAfter)
    }

    @Test func everyTransportKindAndIssueTypeIsCovered() {
        let kinds = Set(Self.rows.compactMap { row -> TransportErrorKind? in
            if case .transportError(let kind) = row.outcome { return kind }
            return nil
        })
        #expect(kinds == Set(TransportErrorKind.allCases))
        // capture_error and capture_lag come from a database source's capture, never from a delivery attempt.
        #expect(Set(Self.rows.compactMap(\.issue)) == Set(IssueType.allCases).subtracting([.captureError, .captureLag]))
    }

    @Test func issueTypesAreSpelledAsTheAPIAnswers() {
        #expect(
            IssueType.allCases.map(\.rawValue)
                == ["http_4xx", "http_5xx", "timeout", "connection_error", "circuit_open", "transform_error", "capture_error", "capture_lag"])
    }

    @Test func summaries() {
        #expect(AttemptOutcome.response(statusCode: 503).summary == "Destination returned 503 Service Unavailable")
        #expect(AttemptOutcome.response(statusCode: 404).summary == "Destination returned 404 Not Found")
        #expect(AttemptOutcome.response(statusCode: 599).summary == "Destination returned 599")
        for kind in TransportErrorKind.allCases {
            #expect(!AttemptOutcome.transportError(kind).summary.isEmpty)
        }
        #expect(
            Set(TransportErrorKind.allCases.map { AttemptOutcome.transportError($0).summary }).count
                == TransportErrorKind.allCases.count)
    }

    @Test func retryDecisionCombinesTheClassification() {
        let policy = RetryPolicy.default
        // 4xx is retried, as the spec says for every non-2xx.
        #expect(policy.decision(afterFailedAttempt: 1, outcome: .response(statusCode: 400)) == .retry(after: 30))
        // Retry-After only counts on 429/503.
        #expect(
            policy.decision(afterFailedAttempt: 1, outcome: .response(statusCode: 429), retryAfter: 600)
                == .retry(after: 600))
        #expect(
            policy.decision(afterFailedAttempt: 1, outcome: .response(statusCode: 503), retryAfter: 600)
                == .retry(after: 600))
        #expect(
            policy.decision(afterFailedAttempt: 1, outcome: .response(statusCode: 500), retryAfter: 600)
                == .retry(after: 30))
        #expect(
            policy.decision(afterFailedAttempt: 1, outcome: .transportError(.timeout), retryAfter: 600)
                == .retry(after: 30))
        // Transform errors dead-letter at once; exhaustion dead-letters anything.
        #expect(policy.decision(afterFailedAttempt: 1, outcome: .transformError) == .deadLetter)
        #expect(policy.decision(afterFailedAttempt: 5, outcome: .transportError(.dnsFailure)) == .deadLetter)
    }
}
