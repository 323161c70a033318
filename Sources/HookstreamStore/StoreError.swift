/// Failures the API turns into 4xx answers; anything else is a server fault.
public enum StoreError: Error, Equatable, Sendable {
    case notFound
    /// A uniqueness rule was broken (e.g. an email or a slug already taken).
    case conflict(String)
}
