import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import Logging
import ServiceLifecycle

/// Evaluates every enabled alert rule each `--alert-interval-seconds` on the injected clock:
/// reads the rule's window from the per-minute rollups, checks the condition
/// (``AlertCondition``), moves the rule's state (``AlertState``), and on a trigger or a
/// resolve notifies the rule's channels and writes the history.
///
/// One node at a time evaluates: each tick first takes the `alerts` job lease in the database
/// (held for a few intervals and renewed every tick), so with several nodes on one database a
/// rule is never evaluated — or notified — twice for the same tick. Notifications of one tick
/// are sent concurrently and awaited before the outcome is stored, so a crash mid-tick repeats
/// a notification rather than losing it.
struct AlertScheduler: Service {
    let store: any Store
    let notifier: Notifier
    let interval: Double
    let autoResolveSeconds: Double
    let clock: any GatewayClock
    let logger: Logger
    /// This process's name for the job lease.
    let node = UUID().uuidString.lowercased()

    /// Per-minute rollups older than this are dropped: the longest window (1440 min) and the
    /// one before it fit.
    static let minuteRollupRetention: Int64 = 2 * 86_400_000 + 3_600_000

    func run() async throws {
        var next = clock.now.addingTimeInterval(interval)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wake = next
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: wake) }
            } catch {
                return
            }
            let now = clock.nowMillis
            // Counted from this tick: a clock that jumped ahead runs one tick, not one per
            // missed interval.
            next = clock.now.addingTimeInterval(interval)
            do {
                try await tick(now: now)
            } catch {
                logger.warning("alert evaluation failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func tick(now: Int64) async throws {
        let leaseLength = Int64(max(interval * 3, 30) * 1000)
        guard try await store.acquireJobLease(name: "alerts", holder: node, now: now, until: now + leaseLength) else { return }
        let rules = try await store.enabledAlertRules()
        await Self.evaluateEach(rules, logger: logger) { rule in try await evaluate(rule, now: now) }
        try await store.purgeMinuteRollups(before: now - Self.minuteRollupRetention)
    }

    /// Runs `evaluate` for every rule concurrently and returns when all are done. A rule whose
    /// evaluation throws (a storage fault while reading its window or writing its state) is
    /// logged with its ID and tried again next tick; the tick goes on to purge old minute
    /// rollups. (In a throwing task group the tick threw once every rule had finished, naming
    /// no rule, and skipped the purge: a rule failing every tick let minute rollups grow.)
    static func evaluateEach(_ rules: [AlertRule], logger: Logger, _ evaluate: @escaping @Sendable (AlertRule) async throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for rule in rules {
                group.addTask {
                    do {
                        try await evaluate(rule)
                    } catch is CancellationError {
                        // Shutdown: the next start evaluates again.
                    } catch {
                        logger.warning("alert rule evaluation failed", metadata: ["rule_id": "\(rule.id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    private func evaluate(_ rule: AlertRule, now: Int64) async throws {
        let windows = AlertWindows(now: now, windowMinutes: rule.config.windowMinutes)
        var facts = try await store.alertFacts(
            tenant: rule.tenant, range: windows.current, volumeRange: windows.volume, previousVolumeRange: windows.previousVolume,
            sourceID: rule.type.scopedBySource ? rule.sourceID : nil, destinationID: rule.type.scopedBySource ? nil : rule.destinationID)
        if rule.type == .issueOpened {
            let opened = try await store.issuesOpened(tenant: rule.tenant, since: windows.current.lowerBound, destinationID: rule.destinationID)
            facts.issuesOpened = opened.count
            facts.newestIssue = opened.newest
        }
        let condition = AlertCondition.evaluate(rule.type, rule.config, facts)
        var state = rule.state
        let action = state.step(
            holds: condition.holds, now: now, cooldown: Int64(rule.cooldownMinutes * 60_000), autoResolve: Int64(autoResolveSeconds * 1000))
        switch action {
        case .trigger?:
            await notify(rule, AlertNotification(kind: .triggered, ruleID: rule.id, ruleName: rule.name, ruleType: rule.type.rawValue, message: condition.message, at: now), now: now)
            let entry = AlertHistoryEntry(id: ResourceID.make(.alertHistory), tenant: rule.tenant, ruleID: rule.id, triggeredAt: now, message: condition.message)
            try await store.recordAlertEvaluation(ruleID: rule.id, state: state, evaluatedAt: now, trigger: entry, resolvedAt: nil)
        case .resolve?:
            let quiet = Int((autoResolveSeconds / 60).rounded())
            let message = "Condition clear for \(quiet < 1 ? "\(Int(autoResolveSeconds)) s" : "\(quiet) min"): \(condition.message)"
            await notify(rule, AlertNotification(kind: .resolved, ruleID: rule.id, ruleName: rule.name, ruleType: rule.type.rawValue, message: message, at: now), now: now)
            try await store.recordAlertEvaluation(ruleID: rule.id, state: state, evaluatedAt: now, trigger: nil, resolvedAt: now)
        case nil:
            try await store.recordAlertEvaluation(ruleID: rule.id, state: state, evaluatedAt: now, trigger: nil, resolvedAt: nil)
        }
    }

    /// Sends to every channel of the rule that still exists; each send retries and records its
    /// own outcome.
    private func notify(_ rule: AlertRule, _ notification: AlertNotification, now: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            for id in rule.channelIDs {
                group.addTask {
                    do {
                        guard let channel = try await store.channel(id: id, tenant: rule.tenant) else { return }
                        await notifier.send(notification, to: channel, now: now)
                    } catch {
                        logger.warning("could not load a notification channel", metadata: ["channel_id": "\(id)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
