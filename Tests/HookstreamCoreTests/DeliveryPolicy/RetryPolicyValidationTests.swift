import Foundation
import HookstreamCore
import JSONValue
import Testing

@Suite struct RetryPolicyValidationTests {
    @Test func defaultsAreTheSpecs() throws {
        let policy = RetryPolicy.default
        #expect(policy.maxAttempts == 5)
        #expect(policy.backoff == .exponential)
        #expect(policy.intervals == [30, 300, 1800, 7200, 86400])
        #expect(try RetryPolicy() == policy)
        #expect(try RetryPolicy(json: [:]) == policy)
    }

    @Test func readsTheAPIFields() throws {
        let policy = try RetryPolicy(json: [
            "retry_max_attempts": 3, "retry_backoff_type": "linear", "retry_intervals": [0.2, 1],
        ])
        #expect(policy.maxAttempts == 3)
        #expect(policy.backoff == .linear)
        #expect(policy.intervals == [0.2, 1])
        #expect(
            JSON.object(policy.jsonFields)
                == ["retry_max_attempts": 3, "retry_backoff_type": "linear", "retry_intervals": [0.2, 1]])
    }

    @Test func absentKeysKeepTheBaseAndNullRestoresTheDefault() throws {
        let stored = try RetryPolicy(maxAttempts: 8, backoff: .fixed, intervals: [5])
        let patched = try RetryPolicy(json: ["retry_max_attempts": 10], base: stored)
        #expect(patched == (try RetryPolicy(maxAttempts: 10, backoff: .fixed, intervals: [5])))
        let reset = try RetryPolicy(json: ["retry_intervals": nil, "retry_backoff_type": nil], base: stored)
        #expect(reset == (try RetryPolicy(maxAttempts: 8)))
    }

    @Test(arguments: [1, 10, 7])
    func acceptsAttemptsInRange(_ n: Int) throws {
        #expect(try RetryPolicy(json: ["retry_max_attempts": .number(Double(n))]).maxAttempts == n)
    }

    @Test func acceptsZeroAndFractionalIntervals() throws {
        #expect(try RetryPolicy(json: ["retry_intervals": [0, 0.25, 2592000]]).intervals == [0, 0.25, 2592000])
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let json: JSONObject
        let message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        Bad(json: ["retry_max_attempts": 0], message: "retry_max_attempts must be an integer from 1 to 10, not 0"),
        Bad(json: ["retry_max_attempts": 11], message: "retry_max_attempts must be an integer from 1 to 10, not 11"),
        Bad(json: ["retry_max_attempts": -1], message: "retry_max_attempts must be an integer from 1 to 10, not -1"),
        Bad(json: ["retry_max_attempts": 2.5], message: "retry_max_attempts must be an integer from 1 to 10, not 2.5"),
        Bad(
            json: ["retry_max_attempts": "5"],
            message: "retry_max_attempts must be an integer from 1 to 10, not a string"),
        Bad(
            json: ["retry_backoff_type": "quadratic"],
            message: "retry_backoff_type must be one of exponential, linear, fixed, not \"quadratic\""),
        Bad(
            json: ["retry_backoff_type": "Exponential"],
            message: "retry_backoff_type must be one of exponential, linear, fixed, not \"Exponential\""),
        Bad(
            json: ["retry_backoff_type": 1],
            message: "retry_backoff_type must be one of exponential, linear, fixed, not a number"),
        Bad(json: ["retry_intervals": []], message: "retry_intervals must hold at least one delay in seconds"),
        Bad(
            json: ["retry_intervals": 30],
            message: "retry_intervals must be an array of delays in seconds, not a number"),
        Bad(
            json: ["retry_intervals": [30, "5m"]],
            message: "retry_intervals[1] must be a number of seconds, not a string"),
        Bad(
            json: ["retry_intervals": [30, -1]],
            message: "retry_intervals[1] must be from 0 to 2592000 seconds, not -1"),
        Bad(
            json: ["retry_intervals": [2592001]],
            message: "retry_intervals[0] must be from 0 to 2592000 seconds, not 2592001"),
        Bad(
            json: ["retry_intervals": .array(Array(repeating: 1, count: 101))],
            message: "retry_intervals may hold at most 100 delays, not 101"),
    ])
    func rejectsWithAClearMessage(_ c: Bad) {
        #expect {
            _ = try RetryPolicy(json: c.json)
        } throws: { error in
            (error as? RetryPolicyError)?.description == c.message
        }
    }

    @Test func initialiserChecksTheSameRanges() {
        #expect(throws: RetryPolicyError(field: "retry_max_attempts", reason: "must be an integer from 1 to 10, not 0")) {
            try RetryPolicy(maxAttempts: 0)
        }
        #expect(throws: RetryPolicyError.self) { try RetryPolicy(intervals: [.infinity]) }
        #expect(throws: RetryPolicyError.self) { try RetryPolicy(intervals: [.nan]) }
    }

    @Test func codableRoundTripUsesTheAPIKeys() throws {
        let policy = try RetryPolicy(maxAttempts: 4, backoff: .fixed, intervals: [1.5])
        let data = try JSONEncoder().encode(policy)
        #expect(
            try JSON(parsing: data)
                == ["retry_max_attempts": 4, "retry_backoff_type": "fixed", "retry_intervals": [1.5]])
        #expect(try JSONDecoder().decode(RetryPolicy.self, from: data) == policy)
        #expect(try JSONDecoder().decode(RetryPolicy.self, from: Data("{}".utf8)) == .default)
    }

    @Test func codableDecodingValidates() {
        #expect {
            _ = try JSONDecoder().decode(RetryPolicy.self, from: Data(#"{"retry_max_attempts": 20}"#.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.debugDescription == "retry_max_attempts must be an integer from 1 to 10, not 20"
        }
    }
}
