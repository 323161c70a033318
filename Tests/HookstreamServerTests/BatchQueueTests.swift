@testable import HookstreamServer
import Testing

/// The hub's queues hand their consumer everything waiting at once, in order, and end cleanly.
@Suite struct BatchQueueTests {
    @Test func theConsumerTakesTheWholeBacklogInOrder() async {
        let queue = BatchQueue<Int>()
        for n in 1...5 { queue.append(n) }
        #expect(await queue.next() == [1, 2, 3, 4, 5])
        queue.append(6)
        #expect(await queue.next() == [6])
    }

    @Test func aWaitingConsumerIsWokenByTheNextElement() async {
        let queue = BatchQueue<Int>()
        async let taken = queue.next()
        // Whether the append lands before or after the consumer waits, it gets exactly it.
        queue.append(7)
        #expect(await taken == [7])
    }

    @Test func finishingDeliversWhatIsQueuedThenEnds() async {
        let queue = BatchQueue<Int>()
        queue.append(1)
        queue.append(2)
        queue.finish()
        queue.append(3)  // after finish: dropped
        #expect(await queue.next() == [1, 2])
        #expect(await queue.next() == nil)
        #expect(await queue.next() == nil)
    }

    @Test func finishWakesAWaitingConsumer() async {
        let queue = BatchQueue<Int>()
        let consumer = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        queue.finish()
        #expect(await consumer.value == nil)
    }

    @Test func cancellingTheConsumerEndsItsWait() async {
        let queue = BatchQueue<Int>()
        let consumer = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        #expect(await consumer.value == nil)
        // The queue still works for a later consumer.
        queue.append(1)
        #expect(await queue.next() == [1])
    }
}
