import HookstreamCore
import Testing

@Suite struct ReconnectBackoffTests {
    @Test(arguments: [
        // (how long each connection lasted, the delays expected after each)
        ([0.0, 0, 0, 0, 0, 0, 0], [0.5, 1, 2, 4, 8, 10, 10]),
        // A connection that held resets the schedule; a short one does not.
        ([0.0, 0, 31, 0, 5], [0.5, 1, 0.5, 1, 2]),
    ])
    func delays(lasted: [Double], expected: [Double]) {
        var backoff = ReconnectBackoff()
        #expect(lasted.map { backoff.delay(afterConnectionLasted: $0) } == expected)
    }
}
