public import HookstreamCore

extension SQLStore {
    public func createChannel(_ c: NotificationChannel) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO notification_channels (id, org_id, env_id, name, type, config, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [c.id, c.tenant.organizationID, c.tenant.environmentID, c.name, c.kind.rawValue, c.sealedConfig, c.createdAt, c.updatedAt])
        }
    }

    public func channel(id: String, tenant: Tenant) async throws -> NotificationChannel? {
        try await database.read { db in
            try db.fetchOne(
                "SELECT * FROM notification_channels WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.channel)
        }
    }

    public func channels(tenant: Tenant) async throws -> [NotificationChannel] {
        try await database.read { db in
            try db.fetchAll(
                "SELECT * FROM notification_channels WHERE org_id = ? AND env_id = ? AND deleted_at IS NULL ORDER BY id DESC",
                [tenant.organizationID, tenant.environmentID], Self.channel)
        }
    }

    public func updateChannel(_ c: NotificationChannel) async throws {
        try await database.write { db in
            let updated = try db.execute(
                """
                    UPDATE notification_channels SET name = ?, config = ?, updated_at = ?
                    WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                    """,
                [c.name, c.sealedConfig, c.updatedAt, c.id, c.tenant.organizationID, c.tenant.environmentID])
            if updated == 0 { throw StoreError.notFound }
        }
    }

    public func deleteChannel(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let deleted = try db.execute(
                "UPDATE notification_channels SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if deleted == 0 { throw StoreError.notFound }
        }
    }

    public func recordNotification(_ r: NotificationRecord) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO notifications (id, org_id, env_id, channel_id, alert_rule_id, kind, status, attempts, status_code, error, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    r.id, r.tenant.organizationID, r.tenant.environmentID, r.channelID, r.alertRuleID, r.kind.rawValue, r.status.rawValue, r.attempts,
                    r.statusCode, r.error, r.createdAt,
                ])
        }
    }

    public func notifications(channelID: String, tenant: Tenant, limit: Int) async throws -> [NotificationRecord] {
        try await database.read { db in
            try db.fetchAll(
                "SELECT * FROM notifications WHERE channel_id = ? AND org_id = ? AND env_id = ? ORDER BY id DESC LIMIT ?",
                [channelID, tenant.organizationID, tenant.environmentID, limit]
            ) {
                NotificationRecord(
                    id: $0["id"], tenant: Tenant(organizationID: $0["org_id"], environmentID: $0["env_id"]), channelID: $0["channel_id"],
                    alertRuleID: $0["alert_rule_id"], kind: AlertNotification.Kind(rawValue: $0["kind"]) ?? .test,
                    status: NotificationRecord.Status(rawValue: $0["status"]) ?? .failed, attempts: $0["attempts"], statusCode: $0["status_code"],
                    error: $0["error"], createdAt: $0["created_at"])
            }
        }
    }

    static func channel(_ row: SQLRow) -> NotificationChannel {
        NotificationChannel(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"],
            kind: NotificationChannel.Kind(rawValue: row["type"]) ?? .webhook, sealedConfig: row["config"], createdAt: row["created_at"],
            updatedAt: row["updated_at"])
    }
}
