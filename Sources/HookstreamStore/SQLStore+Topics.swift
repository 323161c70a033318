public import HookstreamCore
import JSONValue

extension SQLStore {
    static let topicSelect = """
        SELECT topics.*, (SELECT COUNT(*) FROM topic_subscriptions s WHERE s.topic_id = topics.id AND s.deleted_at IS NULL) AS subscription_count
        FROM topics
        """

    static let subscriptionSelect = """
        SELECT topic_subscriptions.*, destinations.name AS destination_name FROM topic_subscriptions
        LEFT JOIN destinations ON destinations.id = topic_subscriptions.destination_id AND destinations.deleted_at IS NULL
        """

    public func createTopic(_ t: Topic) async throws {
        do {
            try await database.write { db in
                try db.execute(
                    "INSERT INTO topics (id, org_id, env_id, name, slug, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [t.id, t.tenant.organizationID, t.tenant.environmentID, t.name, t.slug, t.description, t.createdAt, t.updatedAt])
            }
        } catch where Self.isUniqueViolation(error) {
            throw StoreError.conflict("A topic with the slug '\(t.slug)' already exists")
        }
    }

    public func topic(id: String, tenant: Tenant) async throws -> StoredTopic? {
        try await database.read { db in
            try db.fetchOne(
                Self.topicSelect + " WHERE topics.id = ? AND topics.org_id = ? AND topics.env_id = ? AND topics.deleted_at IS NULL",
                [id, tenant.organizationID, tenant.environmentID]
            ).map(Self.storedTopic)
        }
    }

    public func topic(slug: String, tenant: Tenant) async throws -> Topic? {
        try await database.read { db in
            try db.cachedStatement("SELECT * FROM topics WHERE env_id = ? AND slug = ? AND org_id = ? AND deleted_at IS NULL")
                .fetchOne([tenant.environmentID, slug, tenant.organizationID]).map(Self.topic)
        }
    }

    public func topics(tenant: Tenant, beforeID: String?, limit: Int) async throws -> Page<StoredTopic> {
        try await database.read { db in
            var sql = Self.topicSelect + " WHERE topics.org_id = ? AND topics.env_id = ? AND topics.deleted_at IS NULL"
            var arguments: SQLArguments = [tenant.organizationID, tenant.environmentID]
            if let beforeID {
                sql += " AND topics.id < ?"
                arguments += [beforeID]
            }
            sql += " ORDER BY topics.id DESC LIMIT ?"
            arguments += [limit + 1]
            return Self.page(try db.fetchAll(sql, arguments, Self.storedTopic), limit: limit, id: \.topic.id)
        }
    }

    public func updateTopic(_ t: Topic) async throws {
        try await database.write { db in
            let changed = try db.execute(
                "UPDATE topics SET name = ?, description = ?, updated_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [t.name, t.description, t.updatedAt, t.id, t.tenant.organizationID, t.tenant.environmentID])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func deleteTopic(id: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let changed = try db.execute(
                "UPDATE topics SET deleted_at = ? WHERE id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, tenant.organizationID, tenant.environmentID])
            if changed == 0 { throw StoreError.notFound }
            // Soft-deleted, like connections: queued deliveries still find their transform.
            try db.execute(
                "UPDATE topic_subscriptions SET deleted_at = ? WHERE topic_id = ? AND deleted_at IS NULL", [at, id])
        }
    }

    public func createSubscription(_ s: TopicSubscription) async throws {
        try await database.write { db in
            try db.execute(
                """
                    INSERT INTO topic_subscriptions (id, org_id, env_id, topic_id, destination_id, filter_rules, transform_expression, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    s.id, s.tenant.organizationID, s.tenant.environmentID, s.topicID, s.destinationID, s.filterRules.json.serialized(),
                    s.transformExpression, s.createdAt, s.updatedAt,
                ])
        }
    }

    public func subscription(id: String, topicID: String, tenant: Tenant) async throws -> StoredSubscription? {
        try await database.read { db in
            try db.fetchOne(
                Self.subscriptionSelect
                    + " WHERE topic_subscriptions.id = ? AND topic_subscriptions.topic_id = ? AND topic_subscriptions.org_id = ? AND topic_subscriptions.env_id = ? AND topic_subscriptions.deleted_at IS NULL",
                [id, topicID, tenant.organizationID, tenant.environmentID]
            ).map(Self.storedSubscription)
        }
    }

    public func subscriptions(topicID: String, tenant: Tenant) async throws -> [StoredSubscription] {
        try await database.read { db in
            try db.fetchAll(
                Self.subscriptionSelect
                    + " WHERE topic_subscriptions.topic_id = ? AND topic_subscriptions.org_id = ? AND topic_subscriptions.env_id = ? AND topic_subscriptions.deleted_at IS NULL ORDER BY topic_subscriptions.id",
                [topicID, tenant.organizationID, tenant.environmentID], Self.storedSubscription)
        }
    }

    public func updateSubscription(_ s: TopicSubscription) async throws {
        try await database.write { db in
            let changed = try db.execute(
                """
                    UPDATE topic_subscriptions SET filter_rules = ?, transform_expression = ?, updated_at = ?
                    WHERE id = ? AND topic_id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL
                    """,
                [
                    s.filterRules.json.serialized(), s.transformExpression, s.updatedAt, s.id, s.topicID, s.tenant.organizationID,
                    s.tenant.environmentID,
                ])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func deleteSubscription(id: String, topicID: String, tenant: Tenant, at: Int64) async throws {
        try await database.write { db in
            let changed = try db.execute(
                "UPDATE topic_subscriptions SET deleted_at = ? WHERE id = ? AND topic_id = ? AND org_id = ? AND env_id = ? AND deleted_at IS NULL",
                [at, id, topicID, tenant.organizationID, tenant.environmentID])
            if changed == 0 { throw StoreError.notFound }
        }
    }

    public func activeSubscriptions(topicID: String) async throws -> [TopicSubscription] {
        try await database.read { db in
            var active: [TopicSubscription] = []
            try db.cachedStatement(
                Self.subscriptionSelect + " WHERE topic_subscriptions.topic_id = ? AND topic_subscriptions.deleted_at IS NULL ORDER BY topic_subscriptions.id"
            ).forEach([topicID]) { active.append(Self.storedSubscription($0).subscription) }
            return active
        }
    }

    static func topic(_ row: SQLRow) -> Topic {
        Topic(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), name: row["name"], slug: row["slug"],
            description: row["description"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func storedTopic(_ row: SQLRow) -> StoredTopic {
        StoredTopic(topic: topic(row), subscriptionCount: row["subscription_count"])
    }

    static func storedSubscription(_ row: SQLRow) -> StoredSubscription {
        let rules = (row["filter_rules"] as String?).flatMap { try? JSON(parsing: $0) }.flatMap { try? FilterRuleSet(json: $0) } ?? .matchAll
        let subscription = TopicSubscription(
            id: row["id"], tenant: Tenant(organizationID: row["org_id"], environmentID: row["env_id"]), topicID: row["topic_id"],
            destinationID: row["destination_id"], filterRules: rules, transformExpression: row["transform_expression"],
            createdAt: row["created_at"], updatedAt: row["updated_at"])
        return StoredSubscription(subscription: subscription, destinationName: row["destination_name"])
    }
}
