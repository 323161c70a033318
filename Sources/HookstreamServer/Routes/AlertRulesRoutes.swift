import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/alert-rules`: conditions on recent traffic that notify channels, with their history.
struct AlertRulesRoutes {
    let deps: ServerDependencies

    static let fields: BodyFields = [
        "name", "rule_type", "type", "rule_config", "channel_ids", "cooldown_minutes", "enabled", "source_id", "destination_id",
    ]
    /// History rows shown with a rule.
    static let historyLimit = 50

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/alert-rules", use: list)
        router.post("/v1/alert-rules", use: create)
        router.get("/v1/alert-rules/:id", use: get)
        router.patch("/v1/alert-rules/:id", use: update)
        router.delete("/v1/alert-rules/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let rules = try await deps.store.alertRules(tenant: try context.caller.tenant)
        return .json(["alert_rules": .array(rules.map(Self.render))])
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        let name = try body.requiredString("name", maxLength: 200)
        guard let type = try Self.type(body) else {
            throw APIError.badRequest("'rule_type' is required: one of \(AlertRuleType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let now = deps.configuration.clock.nowMillis
        var rule = AlertRule(
            id: ResourceID.make(.alertRule), tenant: tenant, name: name, type: type, config: try Self.config(Self.configObject(body) ?? [:], type),
            channelIDs: [], createdAt: now, updatedAt: now)
        try await apply(body, to: &rule)
        try await deps.store.createAlertRule(rule)
        return .json(["alert_rule": Self.render(rule)], status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        // One snapshot: an evaluation writes the rule's state and its history row (or the
        // resolve time) in one transaction, and two reads could show either without the other.
        guard
            let (rule, history) = try await deps.store.alertRuleWithHistory(
                id: try context.parameters.require("id"), tenant: try context.caller.tenant, historyLimit: Self.historyLimit)
        else { throw APIError.notFound("Alert rule") }
        return .json(["alert_rule": Self.render(rule), "history": .array(history.map(Self.render))])
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        var rule = try await load(context)
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.fields)
        if let name = try body.string("name", maxLength: 200) { rule.name = name }
        let newType = try Self.type(body)
        let changes = try Self.configObject(body)
        if let newType, newType != rule.type {
            // Another type's settings mean something else: start from the given ones only.
            rule.type = newType
            rule.config = try Self.config(changes ?? [:], newType)
            if newType.scopedBySource { rule.destinationID = nil } else { rule.sourceID = nil }
        } else if let changes {
            // Members given replace the stored ones, `null` removes one (back to its default).
            var merged = rule.config.json.objectValue ?? [:]
            for (key, value) in changes { merged[key] = value == .null ? nil : value }
            rule.config = try Self.config(merged, rule.type)
        }
        try await apply(body, to: &rule)
        rule.updatedAt = deps.configuration.clock.nowMillis
        do {
            try await deps.store.updateAlertRule(rule)
        } catch StoreError.notFound {
            throw APIError.notFound("Alert rule")
        }
        return .json(["alert_rule": Self.render(rule)])
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        do {
            try await deps.store.deleteAlertRule(id: try context.parameters.require("id"), tenant: tenant, at: deps.configuration.clock.nowMillis)
        } catch StoreError.notFound {
            throw APIError.notFound("Alert rule")
        }
        return .json(["deleted": true])
    }

    /// The settings shared by create and update: channels, cooldown, enabled and the scope,
    /// each checked against what exists in the caller's environment.
    private func apply(_ body: JSONBody, to rule: inout AlertRule) async throws {
        if body.has("channel_ids") {
            let ids = try body.stringList("channel_ids") ?? []
            guard ids.count <= 20 else { throw APIError.badRequest("'channel_ids' takes at most 20 channels") }
            var unique: [String] = []
            for id in ids where !unique.contains(id) {
                guard try await deps.store.channel(id: id, tenant: rule.tenant) != nil else {
                    throw APIError.badRequest("'channel_ids': unknown notification channel '\(id)'")
                }
                unique.append(id)
            }
            rule.channelIDs = unique
        }
        if let cooldown = try body.number("cooldown_minutes", in: 0...43_200) { rule.cooldownMinutes = cooldown }
        if let enabled = try body.bool("enabled") { rule.enabled = enabled }
        if body.has("source_id") {
            rule.sourceID = try body.string("source_id")
            if let id = rule.sourceID {
                guard rule.type.scopedBySource else {
                    throw APIError.badRequest("'source_id' scopes volume_drop rules only; a \(rule.type.rawValue) rule is scoped by 'destination_id'")
                }
                guard try await deps.store.source(id: id, tenant: rule.tenant) != nil else { throw APIError.badRequest("'source_id': unknown source '\(id)'") }
            }
        }
        if body.has("destination_id") {
            rule.destinationID = try body.string("destination_id")
            if let id = rule.destinationID {
                guard !rule.type.scopedBySource else {
                    throw APIError.badRequest("'destination_id' does not apply to a volume_drop rule, which counts a source's events: use 'source_id'")
                }
                guard try await deps.store.destination(id: id, tenant: rule.tenant) != nil else {
                    throw APIError.badRequest("'destination_id': unknown destination '\(id)'")
                }
            }
        }
    }

    private func load(_ context: AppRequestContext) async throws -> AlertRule {
        let tenant = try context.caller.tenant
        guard let rule = try await deps.store.alertRule(id: try context.parameters.require("id"), tenant: tenant) else {
            throw APIError.notFound("Alert rule")
        }
        return rule
    }

    /// `rule_type` or its alias `type`; the CLI page's `high_latency` reads as `latency`.
    static func type(_ body: JSONBody) throws -> AlertRuleType? {
        if body.has("rule_type"), body.has("type") { throw APIError.badRequest("Give 'rule_type' or 'type', not both") }
        let key = body.has("type") ? "type" : "rule_type"
        guard let name = try body.string(key) else { return nil }
        guard let type = AlertRuleType(name: name) else {
            throw APIError.badRequest("'\(key)' must be one of: \(AlertRuleType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return type
    }

    static func configObject(_ body: JSONBody) throws -> JSONObject? {
        switch body.members["rule_config"] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        default: throw APIError.badRequest("'rule_config' must be an object")
        }
    }

    static func config(_ object: JSONObject, _ type: AlertRuleType) throws -> AlertRuleConfig {
        do {
            return try AlertRuleConfig.parse(object, type: type)
        } catch {
            throw APIError.badRequest(error.message)
        }
    }

    static func render(_ r: AlertRule) -> JSON {
        [
            "id": .string(r.id), "name": .string(r.name), "rule_type": .string(r.type.rawValue), "rule_config": r.config.json,
            "source_id": r.sourceID.map(JSON.string) ?? .null, "destination_id": r.destinationID.map(JSON.string) ?? .null,
            "channel_ids": .array(r.channelIDs.map(JSON.string)), "cooldown_minutes": .number(r.cooldownMinutes), "enabled": .bool(r.enabled),
            "status": .string(r.state.triggered ? "triggered" : "ok"), "last_triggered_at": JSON.timestamp(r.state.lastTriggeredAt),
            "last_evaluated_at": JSON.timestamp(r.lastEvaluatedAt), "created_at": JSON.timestamp(r.createdAt), "updated_at": JSON.timestamp(r.updatedAt),
        ]
    }

    static func render(_ h: AlertHistoryEntry) -> JSON {
        [
            "id": .string(h.id), "alert_rule_id": .string(h.ruleID), "triggered_at": JSON.timestamp(h.triggeredAt),
            "resolved_at": JSON.timestamp(h.resolvedAt), "message": .string(h.message), "created_at": JSON.timestamp(h.triggeredAt),
        ]
    }
}
