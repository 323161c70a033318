import HookstreamCore
import Testing

@Suite struct ReplayPacerTests {
    /// Each row: the times (ms) the runner asks, the events remaining at each ask, and what it
    /// must be told.
    @Test(arguments: [
        // 10/s: one every 100 ms, the first at once.
        (10, [(0, 5), (0, 4), (99, 4), (100, 4), (150, 3), (200, 3)], [ReplayPacer.Action.send, .wait(until: 100), .wait(until: 100), .send, .wait(until: 200), .send]),
        // Nothing left: finish, whatever the time.
        (10, [(0, 0)], [.finish]),
        (10, [(0, 2), (100, 0)], [.send, .finish]),
        // A little late keeps the cadence: due 100, sent at 130, next due 200 (not 230).
        (10, [(0, 9), (130, 8), (199, 7), (200, 7)], [.send, .send, .wait(until: 200), .send]),
        // Later than a whole slot (a slow send, a restart): no burst, the next slot counts from now.
        (10, [(0, 9), (1000, 8), (1001, 7), (1100, 7)], [.send, .send, .wait(until: 1100), .send]),
        // 3/s: slots at 0, 333.3…, 666.6…: waits round up, never early.
        (3, [(0, 9), (333, 8), (334, 8), (666, 7), (667, 7)], [.send, .wait(until: 334), .send, .wait(until: 667), .send]),
        // The highest rate: 100/s, 10 ms apart.
        (100, [(0, 9), (5, 8), (10, 8)], [.send, .wait(until: 10), .send]),
    ] as [(Int, [(Int64, Int)], [ReplayPacer.Action])])
    func pacing(rate: Int, asks: [(Int64, Int)], expected: [ReplayPacer.Action]) {
        var pacer = ReplayPacer(rateLimit: rate)
        let actions = asks.map { pacer.next(now: $0.0, remaining: $0.1) }
        #expect(actions == expected)
    }

    /// Over a long run driven only by the pacer's own waits, exactly `rate` sends fit in each second.
    @Test(arguments: [1, 7, 20, 100])
    func aSecondHoldsRateSends(rate: Int) {
        var pacer = ReplayPacer(rateLimit: rate)
        var now: Int64 = 0
        var sends: [Int64] = []
        while sends.count < rate * 5 {
            switch pacer.next(now: now, remaining: 1) {
            case .send: sends.append(now)
            case .wait(let until): now = until
            case .finish: Issue.record("finished with work left")
            }
        }
        for second in 0..<4 {
            let inSecond = sends.filter { $0 >= Int64(second * 1000) && $0 < Int64((second + 1) * 1000) }.count
            #expect(inSecond == rate, "second \(second): \(inSecond) sends at \(rate)/s")
        }
    }
}
