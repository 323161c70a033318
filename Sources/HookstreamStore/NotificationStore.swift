public import HookstreamCore

/// Notification channels and the outcome of every notification sent through them.
public protocol NotificationStore: Sendable {
    func createChannel(_ channel: NotificationChannel) async throws
    func channel(id: String, tenant: Tenant) async throws -> NotificationChannel?
    /// Every live channel of the tenant, newest first (a tenant has a handful).
    func channels(tenant: Tenant) async throws -> [NotificationChannel]
    /// - Throws: `StoreError.notFound`.
    func updateChannel(_ channel: NotificationChannel) async throws
    /// - Throws: `StoreError.notFound`.
    func deleteChannel(id: String, tenant: Tenant, at: Int64) async throws
    func recordNotification(_ record: NotificationRecord) async throws
    /// The channel's most recent notifications, newest first.
    func notifications(channelID: String, tenant: Tenant, limit: Int) async throws -> [NotificationRecord]
}

/// What became of one notification: sent (`success`) or given up after its retries.
public struct NotificationRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case success, failed }

    public var id: String
    public var tenant: Tenant
    public var channelID: String
    public var alertRuleID: String?
    public var kind: AlertNotification.Kind
    public var status: Status
    /// Tries made, the first included.
    public var attempts: Int
    /// The last HTTP status (webhook, Slack, Discord) or SMTP reply code (e-mail).
    public var statusCode: Int?
    public var error: String?
    public var createdAt: Int64

    public init(
        id: String, tenant: Tenant, channelID: String, alertRuleID: String?, kind: AlertNotification.Kind, status: Status, attempts: Int,
        statusCode: Int?, error: String?, createdAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.channelID = channelID
        self.alertRuleID = alertRuleID
        self.kind = kind
        self.status = status
        self.attempts = attempts
        self.statusCode = statusCode
        self.error = error
        self.createdAt = createdAt
    }
}
