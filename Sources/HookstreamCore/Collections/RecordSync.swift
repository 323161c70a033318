/// A record the upsert engine created or replaced for a live event: what a `sync` message on
/// the `collections:<id>` real-time channel announces.
///
/// Produced inside the event's transaction but announced only after it commits (see
/// `IngestOutcome.recordSyncs`): a subscriber never sees a record that a failed or crashed
/// commit takes back. An event older than the record (`skipped`) or without a key changes no
/// record and announces nothing.
public struct RecordSync: Sendable, Equatable {
    /// Whose channel it goes to: a collection's subscribers are its tenant's connections only.
    public var tenant: Tenant
    /// `created` or `updated` (never `skipped`).
    public var action: ChangelogEntry.Action
    /// The record as the event left it.
    public var record: CollectionRecord

    public init(tenant: Tenant, action: ChangelogEntry.Action, record: CollectionRecord) {
        self.tenant = tenant
        self.action = action
        self.record = record
    }

    /// The real-time channel the record's collection publishes on.
    public var channel: String { "collections:" + record.collectionID }
}
