@testable import HookstreamStore
import Testing

/// The group-commit writer's decisions as tables: each scenario is a sequence of events (a
/// caller submits, the flush asks for its next batch, a commit ends, a shutdown arrives) and
/// the actions the state machine answers, written as short strings.
@Suite struct GroupCommitStateMachineTests {
    typealias Machine = GroupCommitStateMachine<String, String, String>

    enum Step {
        case submit(String)
        case next
        /// The in-flight commit returned these outcomes.
        case committed([String])
        case commitFailed
        case shutdown(String)
    }

    struct CommitFailure: Error {}

    static func run(_ steps: [Step], maximumBatch: Int = 2, maximumPending: Int = 3) -> [String] {
        var machine = Machine(maximumBatch: maximumBatch, maximumPending: maximumPending)
        return steps.map { step in
            switch step {
            case .submit(let waiter):
                switch machine.submit(waiter) {
                case .startFlush: return "start"
                case .queued: return "queued"
                case .reject(let w, let error): return "reject \(w) \(error)"
                }
            case .next:
                switch machine.nextBatch() {
                case .commit(let batch): return "commit \(batch.joined(separator: ","))"
                case .idle(let drains): return "idle" + drains.map { " resume \($0)" }.joined()
                }
            case .committed(let outcomes):
                return describe(machine.committed(.success(outcomes)))
            case .commitFailed:
                return describe(machine.committed(.failure(CommitFailure())))
            case .shutdown(let drain):
                switch machine.shutdown(drain) {
                case .finished: return "finished"
                case .wait: return "wait"
                }
            }
        }
    }

    static func describe(_ action: Machine.CommitAction) -> String {
        switch action {
        case .succeed(let answers): return "answer " + answers.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        case .fail(let waiters, let error):
            let why = error is CommitFailure ? "error" : "\(error)"
            return "fail " + waiters.joined(separator: ",") + " " + why
        }
    }

    static let scenarios: [(name: String, steps: [Step], actions: [String])] = [
        (
            "an idle submission starts a flush that commits it alone",
            [.submit("a"), .next, .committed(["1"]), .next],
            ["start", "commit a", "answer a=1", "idle"]
        ),
        (
            "submissions during a commit wait and share the next batches, at most maximumBatch each",
            [.submit("a"), .next, .submit("b"), .submit("c"), .submit("d"), .committed(["1"]), .next, .committed(["2", "3"]), .next,
             .committed(["4"]), .next],
            ["start", "commit a", "queued", "queued", "queued", "answer a=1", "commit b,c", "answer b=2,c=3", "commit d", "answer d=4", "idle"]
        ),
        (
            "past maximumPending waiting callers a submission is refused at once",
            [.submit("a"), .next, .submit("b"), .submit("c"), .submit("d"), .submit("e")],
            ["start", "commit a", "queued", "queued", "queued", "reject e overloaded"]
        ),
        (
            "a failing commit answers every caller of its batch with the error and acknowledges none",
            [.submit("a"), .submit("b"), .submit("c"), .next, .commitFailed, .next, .committed(["3"]), .next],
            ["start", "queued", "queued", "commit a,b", "fail a,b error", "commit c", "answer c=3", "idle"]
        ),
        (
            "a store answering the wrong number of outcomes fails the whole batch",
            [.submit("a"), .submit("b"), .next, .committed(["1"]), .next],
            ["start", "queued", "commit a,b", "fail a,b StoreInvariantViolation(items: 2, outcomes: 1)", "idle"]
        ),
        (
            "shutdown with queued writes waits until all are committed, and refuses new ones",
            [.submit("a"), .next, .submit("b"), .submit("c"), .shutdown("d"), .submit("e"), .committed(["1"]), .next, .committed(["2", "3"]),
             .next],
            ["start", "commit a", "queued", "queued", "wait", "reject e shutDown", "answer a=1", "commit b,c", "answer b=2,c=3", "idle resume d"]
        ),
        (
            "shutdown after the flush went idle finishes at once (no wake-up to lose)",
            [.submit("a"), .next, .committed(["1"]), .next, .shutdown("d")],
            ["start", "commit a", "answer a=1", "idle", "finished"]
        ),
        (
            "shutdown while the last batch commits is resumed by the idle that ends the flush",
            [.submit("a"), .next, .shutdown("d"), .committed(["1"]), .next],
            ["start", "commit a", "wait", "answer a=1", "idle resume d"]
        ),
        (
            "shutdown between a submission and the flush's first batch still waits for it",
            [.submit("a"), .shutdown("d"), .next, .committed(["1"]), .next],
            ["start", "wait", "commit a", "answer a=1", "idle resume d"]
        ),
        (
            "shutdown of a writer that never wrote finishes at once, then refuses",
            [.shutdown("d"), .submit("a")],
            ["finished", "reject a shutDown"]
        ),
        (
            "a failing commit during shutdown still drains the rest",
            [.submit("a"), .next, .submit("b"), .shutdown("d"), .commitFailed, .next, .committed(["2"]), .next],
            ["start", "commit a", "queued", "wait", "fail a error", "commit b", "answer b=2", "idle resume d"]
        ),
    ]

    @Test(arguments: scenarios.indices)
    func scenario(_ index: Int) {
        let scenario = Self.scenarios[index]
        #expect(Self.run(scenario.steps) == scenario.actions, "\(scenario.name)")
    }
}
