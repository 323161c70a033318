import Foundation
import HookstreamCore
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/notification-channels`: where alert notifications go.
struct NotificationChannelsRoutes {
    let deps: ServerDependencies

    static let createFields: BodyFields = ["name", "channel_type", "type", "config"]
    static let updateFields: BodyFields = ["name", "config"]

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/notification-channels", use: list)
        router.post("/v1/notification-channels", use: create)
        router.get("/v1/notification-channels/:id", use: get)
        router.patch("/v1/notification-channels/:id", use: update)
        router.delete("/v1/notification-channels/:id", use: delete)
        router.post("/v1/notification-channels/:id/test", use: test)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let channels = try await deps.store.channels(tenant: try context.caller.tenant)
        return .json(["channels": .array(try channels.map { .object(try render($0)) })])
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.createFields)
        let name = try body.requiredString("name", maxLength: 200)
        if body.has("channel_type"), body.has("type") { throw APIError.badRequest("Give 'channel_type' or 'type', not both") }
        let key = body.has("type") ? "type" : "channel_type"
        let kinds = NotificationChannel.Kind.allCases.map(\.rawValue)
        guard let typeName = try body.oneOf(key, kinds), let kind = NotificationChannel.Kind(rawValue: typeName) else {
            throw APIError.badRequest("'channel_type' is required: one of \(kinds.joined(separator: ", "))")
        }
        guard case .object(let raw)? = body.members["config"] else { throw APIError.badRequest("'config' is required and must be an object") }
        let config = try parse(raw, kind: kind)
        // Accepting a channel that can never deliver would be a silent alert.
        if kind == .email, !deps.notifier.canSendEmail {
            throw APIError.badRequest("'email' channels need an SMTP server: start hookstream with --smtp-url and --smtp-from")
        }
        let now = deps.configuration.clock.nowMillis
        let channel = NotificationChannel(
            id: ResourceID.make(.notificationChannel), tenant: tenant, name: name, kind: kind, sealedConfig: try seal(config), createdAt: now,
            updatedAt: now)
        try await deps.store.createChannel(channel)
        return .json(.object(try render(channel)), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, channel) = try await load(context)
        var body = try render(channel)
        let recent = try await deps.store.notifications(channelID: channel.id, tenant: tenant, limit: 10)
        body["recent_notifications"] = .array(recent.map(Self.render))
        return .json(.object(body))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        var (_, channel) = try await load(context)
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: Self.updateFields)
        if let name = try body.string("name", maxLength: 200) { channel.name = name }
        if body.has("config") {
            guard case .object(let changes)? = body.members["config"] else { throw APIError.badRequest("'config' must be an object") }
            // Members given replace the stored ones, `null` removes one: a new URL keeps the
            // secret unless the secret is named too.
            var merged = (try deps.notifier.config(of: channel).json.objectValue) ?? [:]
            if changes["webhook_url"] != nil { merged["url"] = nil }
            for (k, v) in changes { merged[k] = v == .null ? nil : v }
            channel.sealedConfig = try seal(try parse(merged, kind: channel.kind))
        }
        channel.updatedAt = deps.configuration.clock.nowMillis
        do {
            try await deps.store.updateChannel(channel)
        } catch StoreError.notFound {
            throw APIError.notFound("Notification channel")
        }
        return .json(.object(try render(channel)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.caller.tenant
        let id = try context.parameters.require("id")
        // As the API page says: rules naming the channel must be changed first, or they would
        // go silent without anyone having decided so.
        let users = try await deps.store.alertRuleIDs(usingChannel: id, tenant: tenant)
        if !users.isEmpty {
            throw APIError(.conflict, "The channel is used by alert rule(s) \(users.joined(separator: ", ")); remove it from their channel_ids first")
        }
        do {
            try await deps.store.deleteChannel(id: id, tenant: tenant, at: deps.configuration.clock.nowMillis)
        } catch StoreError.notFound {
            throw APIError.notFound("Notification channel")
        }
        return .json(["deleted": true])
    }

    /// Sends a test notification now (with the usual retries) and says how it went.
    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, channel) = try await load(context)
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let now = deps.configuration.clock.nowMillis
        let notification = AlertNotification(
            kind: .test, message: "This is a test notification for the channel \"\(channel.name)\". If you can read it, the channel works.", at: now)
        let record = await deps.notifier.send(notification, to: channel, now: now)
        return .json([
            "success": .bool(record.status == .success), "error": record.error.map(JSON.string) ?? .null,
            "attempts": .number(Double(record.attempts)), "status_code": record.statusCode.map { .number(Double($0)) } ?? .null,
        ])
    }

    private func load(_ context: AppRequestContext) async throws -> (Tenant, NotificationChannel) {
        let tenant = try context.caller.tenant
        guard let channel = try await deps.store.channel(id: try context.parameters.require("id"), tenant: tenant) else {
            throw APIError.notFound("Notification channel")
        }
        return (tenant, channel)
    }

    /// Validates the settings; a literal address the outbound policy refuses is refused now
    /// (names are judged when each notification is sent, on the addresses they resolve to).
    func parse(_ config: JSONObject, kind: NotificationChannel.Kind) throws -> ChannelConfig {
        let parsed: ChannelConfig
        do {
            parsed = try ChannelConfig.parse(config, kind: kind)
        } catch {
            throw APIError.badRequest(error.message)
        }
        if let url = parsed.url, let host = URLComponents(string: url)?.host,
            let refusal = deps.configuration.outboundPolicy.refusal(host: host, for: .organization)
        {
            throw APIError.badRequest("'config.url' is refused by the outbound policy: \(refusal)")
        }
        return parsed
    }

    private func seal(_ config: ChannelConfig) throws -> String {
        try deps.secrets.seal(config.json.serialized())
    }

    /// The spec's flat shape; secrets masked. A Slack or Discord URL is its own credential, so
    /// only its host and last characters show.
    private func render(_ channel: NotificationChannel) throws -> JSONObject {
        let config = try deps.notifier.config(of: channel)
        var shown = JSONObject()
        switch channel.kind {
        case .webhook:
            shown["url"] = config.url.map(JSON.string) ?? .null
            shown["secret"] = config.secret.map { .string(SecretBox.mask($0)) } ?? .null
        case .slack, .discord:
            shown["url"] = config.url.map { url in
                let host = URL(string: url)?.host ?? ""
                return .string("https://\(host)/\(SecretBox.mask(url))")
            } ?? .null
        case .email:
            shown["to"] = .array(config.recipients.map(JSON.string))
        }
        return [
            "id": .string(channel.id), "name": .string(channel.name), "type": .string(channel.kind.rawValue), "config": .object(shown),
            "created_at": JSON.timestamp(channel.createdAt), "updated_at": JSON.timestamp(channel.updatedAt),
        ]
    }

    static func render(_ r: NotificationRecord) -> JSON {
        [
            "id": .string(r.id), "kind": .string(r.kind.rawValue), "alert_rule_id": r.alertRuleID.map(JSON.string) ?? .null,
            "status": .string(r.status.rawValue), "attempts": .number(Double(r.attempts)),
            "status_code": r.statusCode.map { .number(Double($0)) } ?? .null, "error": r.error.map(JSON.string) ?? .null,
            "created_at": JSON.timestamp(r.createdAt),
        ]
    }
}
