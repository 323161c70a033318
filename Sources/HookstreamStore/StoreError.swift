/// Failures the API answers specifically (4xx, or 503 for a full disk or an unreachable database); anything else is a
/// server fault.
public enum StoreError: Error, Equatable, Sendable {
    case notFound
    /// A uniqueness rule was broken (e.g. an email or a slug already taken).
    case conflict(String)
    /// The disk holding the data directory is full: nothing of the failed write was kept.
    case storageFull
    /// The database cannot be reached (PostgreSQL down or restarting): nothing of the failed
    /// operation was kept, and a retry later may succeed (503).
    case unavailable
}
