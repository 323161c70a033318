public import HookstreamCore

/// Alert rules, their `ah_` history, and what the alert scheduler reads and writes: the
/// per-minute rollups of a rule's window, the rule's evaluation state, the cluster job lease.
public protocol AlertStore: Sendable {
    func createAlertRule(_ rule: AlertRule) async throws
    func alertRule(id: String, tenant: Tenant) async throws -> AlertRule?
    /// Every live rule of the tenant, newest first (a tenant has a handful).
    func alertRules(tenant: Tenant) async throws -> [AlertRule]
    /// Writes the settings (name, type, config, scope, channels, cooldown, enabled); the
    /// evaluation state is the scheduler's and left as it is.
    /// - Throws: `StoreError.notFound`.
    func updateAlertRule(_ rule: AlertRule) async throws
    /// - Throws: `StoreError.notFound`.
    func deleteAlertRule(id: String, tenant: Tenant, at: Int64) async throws
    /// The rule's triggers, newest first.
    func alertHistory(ruleID: String, tenant: Tenant, limit: Int) async throws -> [AlertHistoryEntry]
    /// A live rule with its newest `historyLimit` triggers, read from one snapshot: an
    /// evaluation changes the rule's state and its history together, and two separate reads
    /// could show one without the other.
    func alertRuleWithHistory(id: String, tenant: Tenant, historyLimit: Int) async throws -> (rule: AlertRule, history: [AlertHistoryEntry])?
    /// Live rules of the tenant that send to `channelID`.
    func alertRuleIDs(usingChannel channelID: String, tenant: Tenant) async throws -> [String]

    /// Every enabled rule of every tenant (the scheduler's work list).
    func enabledAlertRules() async throws -> [AlertRule]
    /// Stores an evaluation's outcome in one transaction: the new state, a history row for a
    /// trigger, the open history rows closed for a resolve.
    func recordAlertEvaluation(ruleID: String, state: AlertState, evaluatedAt: Int64, trigger: AlertHistoryEntry?, resolvedAt: Int64?) async throws
    /// Delivery and event counts of the minute buckets in `range` (and `previous`, events
    /// only), scoped to one source or destination or the whole environment.
    func alertFacts(
        tenant: Tenant, range: Range<Int64>, volumeRange: Range<Int64>, previousVolumeRange: Range<Int64>, sourceID: String?, destinationID: String?
    ) async throws -> AlertFacts
    /// Issues opened at or after `since`, and the newest one's message.
    func issuesOpened(tenant: Tenant, since: Int64, destinationID: String?) async throws -> (count: Int, newest: String?)
    /// Takes or renews the named lease for `holder` until `until` when it is free, expired or
    /// already the holder's; `false` when another holder has it.
    func acquireJobLease(name: String, holder: String, now: Int64, until: Int64) async throws -> Bool
    /// Drops per-minute rollups older than `before` (alert windows never look back that far).
    func purgeMinuteRollups(before: Int64) async throws
}
