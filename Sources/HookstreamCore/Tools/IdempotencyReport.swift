/// What `POST /v1/tools/idempotency-test` found: each response compared with the ones before
/// it. A receiver that handles a repeated idempotency key correctly answers the repeats the
/// way it answered the first, so a response equal (status and body) to an earlier one is a
/// duplicate; a different one means the receiver did something new.
public struct IdempotencyReport: Sendable, Equatable {
    /// One request's outcome: a status and body, or a transport error.
    public struct Response: Sendable, Equatable {
        public var status: Int?
        public var body: String
        public var latencyMillis: Int
        public var error: String?

        public init(status: Int?, body: String, latencyMillis: Int, error: String? = nil) {
            self.status = status
            self.body = body
            self.latencyMillis = latencyMillis
            self.error = error
        }
    }

    public struct Result: Sendable, Equatable {
        public var attempt: Int
        public var response: Response
        public var isDuplicate: Bool
    }

    public var results: [Result]
    public var uniqueResponses: Int
    public var duplicateResponses: Int

    /// Compares `responses` in the order they were received. A failed request (no status) is
    /// never a duplicate: nothing answered it.
    public init(_ responses: [Response]) {
        var seen: [(Int, String)] = []
        results = []
        for (index, response) in responses.enumerated() {
            var duplicate = false
            if let status = response.status {
                duplicate = seen.contains { $0 == (status, response.body) }
                if !duplicate { seen.append((status, response.body)) }
            }
            results.append(Result(attempt: index + 1, response: response, isDuplicate: duplicate))
        }
        duplicateResponses = results.filter(\.isDuplicate).count
        uniqueResponses = results.count - duplicateResponses
    }
}
