import Foundation
import HookstreamCore
@testable import HookstreamServer
import Logging
import Synchronization
import Testing

/// A tick evaluates its rules side by side: one rule's failure must not cost the others their
/// evaluation, and so their notifications.
@Suite struct AlertSchedulerTests {
    struct StorageFault: Error {}

    @Test func aRuleWhoseEvaluationFailsLeavesTheOthersToFinish() async throws {
        let tenant = Tenant(organizationID: "org_test", environmentID: "env_test")
        let rules = (0..<3).map {
            AlertRule(
                id: "alr_\($0)", tenant: tenant, name: "Rule \($0)", type: .dlq, config: AlertRuleConfig(threshold: 1), channelIDs: [], createdAt: 0,
                updatedAt: 0)
        }
        // The other rules are still at work when the failure comes: they wait on a clock this
        // test moves only once the failure has happened, as slow rules of a real tick would.
        let clock = ManualClock()
        let resume = clock.now.addingTimeInterval(1)
        let failed = Mutex(false)
        let finished = Mutex<[String]>([])
        let tick = Task {
            await AlertScheduler.evaluateEach(rules, logger: Logger(label: "test")) { rule in
                if rule.id == "alr_1" {
                    failed.withLock { $0 = true }
                    throw StorageFault()
                }
                try await clock.sleep(until: resume)
                finished.withLock { $0.append(rule.id) }
            }
        }
        // Had the failure cancelled them, their sleeps would have ended with it.
        let deadline = ContinuousClock.now + .seconds(30)
        while !(failed.withLock { $0 } && clock.sleeperCount == 2), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(failed.withLock { $0 })
        #expect(clock.sleeperCount == 2, "the other rules' evaluations were stopped")
        clock.advance(to: resume)
        await tick.value
        #expect(finished.withLock { $0 }.sorted() == ["alr_0", "alr_2"])
    }
}
