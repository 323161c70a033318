@testable import HookstreamStore
import Logging
import Synchronization
import Testing

/// The writer's I/O shell around its state machine, with a commit the test controls: callers
/// are answered only after their batch commits, a failing commit reaches every caller, and a
/// shutdown returns only once everything queued before it was committed and answered.
@Suite struct GroupCommitWriterTests {
    /// A commit that records what it was given and, while `held`, waits for the test to open
    /// the gate.
    final class ControlledCommit: Sendable {
        struct State {
            var batches: [[Int]] = []
            var gate: CheckedContinuation<Void, Never>?
            var held = true
            var failing = false
        }

        let state = Mutex(State())

        var batches: [[Int]] { state.withLock { $0.batches } }

        func commit(_ items: [Int]) async throws -> [String] {
            let wait = state.withLock { s -> Bool in
                s.batches.append(items)
                return s.held
            }
            if wait {
                await withCheckedContinuation { continuation in
                    let open = state.withLock { s -> Bool in
                        if !s.held { return true }
                        s.gate = continuation
                        return false
                    }
                    if open { continuation.resume() }
                }
            }
            if state.withLock({ $0.failing }) { throw CommitFailed() }
            return items.map { "ok-\($0)" }
        }

        /// Lets the waiting commit (and every later one) through.
        func release() {
            state.withLock { s in
                s.held = false
                return s.gate.take()
            }?.resume()
        }

        func fail() { state.withLock { $0.failing = true } }
    }

    struct CommitFailed: Error {}
    struct ConditionNeverHeld: Error {}

    /// Waits for a condition the writer must reach. The deadline is generous on purpose: in the
    /// full run the conformance suites can hold both threads of a 2-core machine's cooperative
    /// pool for many seconds, and the writer's flush task cannot start until one is free.
    static func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ConditionNeverHeld() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func shutdownReturnsOnlyAfterEveryQueuedWriteIsCommittedAndAnswered() async throws {
        let control = ControlledCommit()
        let writer = GroupCommitWriter<Int, String>(name: "test", logger: Logger(label: "test")) { try await control.commit($0) }
        let run = Task { try await writer.run() }
        let first = Task { try await writer.submit(1) }
        try await Self.until { control.batches.count == 1 }
        // 2 and 3 queue behind the commit in progress; then the shutdown arrives.
        let queued = [Task { try await writer.submit(2) }, Task { try await writer.submit(3) }]
        try await Self.until { writer.queuedCount == 2 }
        run.cancel()
        control.release()
        try await run.value
        #expect(control.batches.flatMap { $0 }.sorted() == [1, 2, 3], "run() returned before the queue was committed")
        #expect(try await first.value == "ok-1")
        for (task, n) in zip(queued, [2, 3]) { #expect(try await task.value == "ok-\(n)") }
        await #expect(throws: GroupCommitError.shutDown) { try await writer.submit(4) }
    }

    @Test func aFailingCommitAnswersEveryWaiterWithTheErrorAndAcknowledgesNothing() async throws {
        let control = ControlledCommit()
        control.fail()
        let writer = GroupCommitWriter<Int, String>(name: "test", logger: Logger(label: "test")) { try await control.commit($0) }
        let tasks = (1...5).map { n in Task { try await writer.submit(n) } }
        try await Self.until { control.batches.count >= 1 }
        control.release()
        for task in tasks {
            await #expect(throws: CommitFailed.self) { try await task.value }
        }
        #expect(control.batches.flatMap { $0 }.sorted() == [1, 2, 3, 4, 5])
    }

    @Test func concurrentCallersShareTransactionsAndAreAllAnswered() async throws {
        let control = ControlledCommit()
        control.release()
        let writer = GroupCommitWriter<Int, String>(name: "test", maximumBatch: 64, logger: Logger(label: "test")) { try await control.commit($0) }
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for n in 0..<500 { group.addTask { (n, try await writer.submit(n)) } }
            var all: [Int: String] = [:]
            for try await (n, answer) in group { all[n] = answer }
            return all
        }
        #expect(answers.count == 500)
        #expect(answers.allSatisfy { $0.value == "ok-\($0.key)" })
        #expect(control.batches.allSatisfy { $0.count <= 64 })
        #expect(control.batches.flatMap { $0 }.count == 500)
    }

    @Test(.timeLimit(.minutes(1))) func aFullQueueRefusesAtOnce() async throws {
        let control = ControlledCommit()
        let writer = GroupCommitWriter<Int, String>(name: "test", maximumPending: 2, logger: Logger(label: "test")) { try await control.commit($0) }
        let first = Task { try await writer.submit(1) }
        try await Self.until { control.batches.count == 1 }
        let queued = [Task { try await writer.submit(2) }, Task { try await writer.submit(3) }]
        try await Self.until { writer.queuedCount == 2 }
        // Two are waiting (a third is being committed): the next is refused, not queued.
        var refused = false
        do {
            _ = try await writer.submit(4)
        } catch GroupCommitError.overloaded {
            refused = true
        }
        #expect(refused)
        control.release()
        #expect(try await first.value == "ok-1")
        for task in queued { _ = try await task.value }
    }
}
