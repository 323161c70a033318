public import HookstreamCore
import JSONValue

extension SQLStore {
    public func createAlertRule(_ r: AlertRule) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO alert_rules (id, org_id, env_id, name, rule_type, rule_config, source_id, destination_id, channel_ids,
                        cooldown_minutes, enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    r.id, r.tenant.organizationID, r.tenant.environmentID, r.name, r.type.rawValue, r.config.json.serialized(), r.sourceID,
                    r.destinationID, Self.idList(r.channelIDs), r.cooldownMinutes, r.enabled, r.createdAt, r.updatedAt,
                ])
        }
    }

    public func alertRule(id: String, tenant: Tenant) async throws -> AlertRule? {
        try await database.read { db in try Self.liveAlertRule(db, id: id, tenant: tenant) }
    }

    public func alertRules(tenant: Tenant) async throws -> [AlertRule] {
        try await database.read { db in
            try db.fetchAll(
                "SELECT * FROM alert_rules WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL ORDER BY id DESC",
                [tenant.organizationID, tenant.environmentID], Self.alertRule)
        }
    }

    public func updateAlertRule(_ r: AlertRule) async throws {
        try await database.write { db in
            let changed = try db.execute(
                """
                    UPDATE alert_rules SET name = ?, rule_type = ?, rule_config = ?, source_id = ?, destination_id = ?, channel_ids = ?,
                        cooldown_minutes = ?, enabled = ?, updated_at = ?
                    WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                    """,
                [
                    r.name, r.type.rawValue, r.config.json.serialized(), r.sourceID, r.destinationID, Self.idList(r.channelIDs), r.cooldownMinutes,
                    r.enabled, r.updatedAt, r.id, r.tenant.organizationID, r.tenant.environmentID,
                ])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func deleteAlertRule(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let changed = try db.execute(
                "UPDATE alert_rules SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func alertHistory(ruleID: String, tenant: Tenant, limit: Int) async throws -> [AlertHistoryEntry] {
        try await database.read { db in try Self.alertHistory(db, ruleID: ruleID, tenant: tenant, limit: limit) }
    }

    public func alertRuleWithHistory(id: String, tenant: Tenant, historyLimit: Int) async throws -> (rule: AlertRule, history: [AlertHistoryEntry])? {
        try await database.read { db in
            guard let rule = try Self.liveAlertRule(db, id: id, tenant: tenant) else { return nil }
            return (rule, try Self.alertHistory(db, ruleID: id, tenant: tenant, limit: historyLimit))
        }
    }

    private static func alertHistory(_ db: SQLConnection, ruleID: String, tenant: Tenant, limit: Int) throws -> [AlertHistoryEntry] {
        try db.fetchAll(
            "SELECT * FROM alert_history WHERE alert_rule_id = ? AND org_id = ? AND env_id = ? ORDER BY id DESC LIMIT ?",
            [ruleID, tenant.organizationID, tenant.environmentID, limit]
        ) {
            AlertHistoryEntry(
                id: $0["id"], tenant: Tenant(organizationID: $0["org_id"], environmentID: $0["env_id"]), ruleID: $0["alert_rule_id"],
                triggeredAt: $0["triggered_at"], resolvedAt: $0["resolved_at"], message: $0["message"])
        }
    }

    private static func liveAlertRule(_ db: SQLConnection, id: String, tenant: Tenant) throws -> AlertRule? {
        try db.fetchOne(
            "SELECT * FROM alert_rules WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL", [id, tenant.organizationID, tenant.environmentID]
        ).map(Self.alertRule)
    }

    public func alertRuleIDs(usingChannel channelID: String, tenant: Tenant) async throws -> [String] {
        // Rules are few per environment: filter the decoded lists rather than search JSON text.
        try await alertRules(tenant: tenant).filter { $0.channelIDs.contains(channelID) }.map(\.id)
    }

    public func enabledAlertRules() async throws -> [AlertRule] {
        try await database.read { db in
            try db.fetchAll("SELECT * FROM alert_rules WHERE enabled = 1 AND deleted_at IS NULL ORDER BY id", [], Self.alertRule)
        }
    }

    public func recordAlertEvaluation(ruleID: String, state: AlertState, evaluatedAt: Int64, trigger: AlertHistoryEntry?, resolvedAt: Int64?) async throws {
        try await database.write { db in
            try db.execute(
                "UPDATE alert_rules SET triggered = ?, last_triggered_at = ?, last_condition_at = ?, last_evaluated_at = ? WHERE id = ?",
                [state.triggered, state.lastTriggeredAt, state.lastConditionAt, evaluatedAt, ruleID])
            if let t = trigger {
                try db.execute(
                    """
                        INSERT INTO alert_history (id, org_id, env_id, alert_rule_id, triggered_at, resolved_at, message)
                        VALUES (?, ?, ?, ?, ?, NULL, ?)
                        """,
                    [t.id, t.tenant.organizationID, t.tenant.environmentID, t.ruleID, t.triggeredAt, t.message])
            }
            if let resolvedAt {
                try db.execute(
                    "UPDATE alert_history SET resolved_at = ? WHERE alert_rule_id = ? AND resolved_at IS NULL", [resolvedAt, ruleID])
            }
        }
    }

    public func alertFacts(
        tenant: Tenant, range: Range<Int64>, volumeRange: Range<Int64>, previousVolumeRange: Range<Int64>, sourceID: String?, destinationID: String?
    ) async throws -> AlertFacts {
        try await database.read { db in
            var facts = AlertFacts()
            let scope = { (kind: String, resource: String?, range: Range<Int64>) -> (String, SQLArguments) in
                var sql = "org_id = ? AND env_id = ? AND kind = ? AND minute >= ? AND minute < ?"
                var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID, kind, range.lowerBound, range.upperBound]
                if let resource {
                    sql += " AND resource_id = ?"
                    arguments += [resource]
                }
                return (sql, arguments)
            }
            let (delivered, deliveredArguments) = scope("destination", destinationID, range)
            if let row = try db.fetchOne(
                "SELECT SUM(delivery_count) AS d, SUM(failed_count) AS f, SUM(dlq_count) AS q FROM minute_rollups WHERE \(delivered)",
                deliveredArguments)
            {
                facts.deliveries = row["d"] ?? 0
                facts.failures = row["f"] ?? 0
                facts.deadLettered = row["q"] ?? 0
            }
            var binSQL = "org_id = ? AND env_id = ? AND minute >= ? AND minute < ?"
            var binArguments: SQLArguments = [tenant.organizationID, tenant.environmentID, range.lowerBound, range.upperBound]
            if let destinationID {
                binSQL += " AND destination_id = ?"
                binArguments += [destinationID]
            }
            var counts: [Int: Int64] = [:]
            try db.forEach("SELECT bin, SUM(count) AS n FROM minute_latency_rollups WHERE \(binSQL) GROUP BY bin", binArguments) { row in
                counts[row["bin"]] = row["n"]
            }
            facts.latency = LatencyHistogram(counts: counts)
            for (window, previous) in [(volumeRange, false), (previousVolumeRange, true)] {
                let (received, arguments) = scope("source", sourceID, window)
                let n: Int64 = try db.fetchValue("SELECT COALESCE(SUM(event_count), 0) FROM minute_rollups WHERE \(received)", arguments) ?? 0
                if previous { facts.previousEvents = n } else { facts.events = n }
            }
            return facts
        }
    }

    public func issuesOpened(tenant: Tenant, since: Int64, destinationID: String?) async throws -> (count: Int, newest: String?) {
        try await database.read { db in
            var sql = "FROM issues WHERE org_id = ? AND env_id = ? AND created_at >= ?"
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID, since]
            if let destinationID {
                sql += " AND destination_id = ?"
                arguments += [destinationID]
            }
            let count: Int = try db.fetchValue("SELECT COUNT(*) \(sql)", arguments) ?? 0
            let newest: String? = count > 0 ? try db.fetchValue("SELECT message \(sql) ORDER BY created_at DESC, id DESC LIMIT 1", arguments) : nil
            return (count, newest)
        }
    }

    public func acquireJobLease(name: String, holder: String, now: Int64, until: Int64) async throws -> Bool {
        try await database.write { db in
            let changed = try db.execute(
                """
                    INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= ?
                    """,
                [name, holder, until, now])
            return changed > 0
        }
    }

    public func purgeMinuteRollups(before: Int64) async throws {
        try await database.write { db in
            try db.execute("DELETE FROM minute_rollups WHERE minute < ?", [before])
            try db.execute("DELETE FROM minute_latency_rollups WHERE minute < ?", [before])
        }
    }

    static func idList(_ ids: [String]) -> String { JSON.array(ids.map(JSON.string)).serialized() }

    static func alertRule(_ row: SQLRow) -> AlertRule {
        let channels = (try? JSON(parsing: Array((row["channel_ids"] as String).utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
        let config = (try? JSON(parsing: Array((row["rule_config"] as String).utf8))) ?? [:]
        return AlertRule(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"],
            type: AlertRuleType(rawValue: row["rule_type"]) ?? .failureRate, config: AlertRuleConfig(json: config), sourceID: row["source_id"],
            destinationID: row["destination_id"], channelIDs: channels, cooldownMinutes: row["cooldown_minutes"], enabled: row["enabled"],
            state: AlertState(triggered: row["triggered"], lastTriggeredAt: row["last_triggered_at"], lastConditionAt: row["last_condition_at"]),
            lastEvaluatedAt: row["last_evaluated_at"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
