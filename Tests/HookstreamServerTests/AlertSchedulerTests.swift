import Foundation
import HookstreamCore
@testable import HookstreamServer
import Logging
import Synchronization
import Testing

/// A tick evaluates its rules side by side: one rule's failure is logged with the rule's ID and
/// costs the other rules nothing; the tick itself goes on (to purge old minute rollups).
@Suite struct AlertSchedulerTests {
    struct StorageFault: Error {}

    /// What a ``CapturingLogHandler`` (and each copy of it) logged.
    final class LogRecord: Sendable {
        let events = Mutex<[LogEvent]>([])
    }

    /// Keeps what is logged, for the test to read.
    struct CapturingLogHandler: LogHandler {
        let record: LogRecord
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { record.events.withLock { $0.append(event) } }
    }

    @Test func aRuleWhoseEvaluationFailsIsLoggedAndTheOthersFinish() async throws {
        let tenant = Tenant(organizationID: "org_test", environmentID: "env_test")
        let rules = (0..<3).map {
            AlertRule(
                id: "alr_\($0)", tenant: tenant, name: "Rule \($0)", type: .dlq, config: AlertRuleConfig(threshold: 1), channelIDs: [], createdAt: 0,
                updatedAt: 0)
        }
        let logged = LogRecord()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(record: logged) }
        let finished = Mutex<[String]>([])
        await AlertScheduler.evaluateEach(rules, logger: logger) { rule in
            if rule.id == "alr_1" { throw StorageFault() }
            finished.withLock { $0.append(rule.id) }
        }
        #expect(finished.withLock { $0 }.sorted() == ["alr_0", "alr_2"])
        let warnings = logged.events.withLock { $0 }.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata?["rule_id"] == "alr_1")
        #expect(warnings.first?.metadata?["error"]?.description.contains("StorageFault") == true)
    }
}
