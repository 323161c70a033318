import Foundation
import HookstreamCore
import HookstreamStore
import Testing

/// `recordAlertEvaluation` on every backend: a trigger's history row and the rule's new state
/// (`last_triggered_at` above all) are one transaction — a rule never shows a trigger with no
/// history row, nor a history row its rule does not know of.
@Suite struct AlertEvaluationConformanceTests {
    static let t0 = StoreFixture.t0

    @Test(arguments: StoreBackend.all)
    func aTriggerAndItsHistoryRowAreWrittenTogetherOrNotAtAll(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let f = try await StoreFixture.make(store)
        let rule = AlertRule(
            id: ResourceID.make(.alertRule), tenant: f.tenant, name: "DLQ", type: .dlq, config: AlertRuleConfig(threshold: 1), channelIDs: [],
            createdAt: Self.t0, updatedAt: Self.t0)
        try await store.createAlertRule(rule)
        let first = AlertHistoryEntry(id: ResourceID.make(.alertHistory), tenant: f.tenant, ruleID: rule.id, triggeredAt: Self.t0 + 1000, message: "one")
        try await store.recordAlertEvaluation(
            ruleID: rule.id, state: AlertState(triggered: true, lastTriggeredAt: Self.t0 + 1000, lastConditionAt: Self.t0 + 1000),
            evaluatedAt: Self.t0 + 1000, trigger: first, resolvedAt: nil)
        #expect(try await store.alertRule(id: rule.id, tenant: f.tenant)?.state.lastTriggeredAt == Self.t0 + 1000)
        #expect(try await store.alertHistory(ruleID: rule.id, tenant: f.tenant, limit: 10).map(\.id) == [first.id])

        // The history insert fails (its ID is taken): the state written before it in the same
        // call must not stay behind.
        var clash = first
        clash.triggeredAt = Self.t0 + 9000
        await #expect(throws: (any Error).self) {
            try await store.recordAlertEvaluation(
                ruleID: rule.id, state: AlertState(triggered: true, lastTriggeredAt: Self.t0 + 9000, lastConditionAt: Self.t0 + 9000),
                evaluatedAt: Self.t0 + 9000, trigger: clash, resolvedAt: nil)
        }
        let stored = try #require(try await store.alertRule(id: rule.id, tenant: f.tenant))
        #expect(stored.state.lastTriggeredAt == Self.t0 + 1000)
        #expect(stored.lastEvaluatedAt == Self.t0 + 1000)
        #expect(try await store.alertHistory(ruleID: rule.id, tenant: f.tenant, limit: 10).map(\.triggeredAt) == [Self.t0 + 1000])

        // A resolve is the rule's state and the history row's resolve time together, and the
        // detail read shows both (or neither); an unknown or foreign rule is nil.
        try await store.recordAlertEvaluation(
            ruleID: rule.id, state: AlertState(triggered: false, lastTriggeredAt: Self.t0 + 1000, lastConditionAt: Self.t0 + 1000),
            evaluatedAt: Self.t0 + 5000, trigger: nil, resolvedAt: Self.t0 + 5000)
        let detail = try #require(try await store.alertRuleWithHistory(id: rule.id, tenant: f.tenant, historyLimit: 10))
        #expect(detail.rule.state.triggered == false && detail.rule.lastEvaluatedAt == Self.t0 + 5000)
        #expect(detail.history.map(\.id) == [first.id] && detail.history.first?.resolvedAt == Self.t0 + 5000)
        #expect(try await store.alertRuleWithHistory(id: "ar_unknown", tenant: f.tenant, historyLimit: 10) == nil)
    }
}
