/// The organization and environment every query is scoped by. Another tenant's resource is
/// simply not found.
public struct Tenant: Sendable, Hashable {
    public var organizationID: String
    public var environmentID: String

    public init(organizationID: String, environmentID: String) {
        self.organizationID = organizationID
        self.environmentID = environmentID
    }
}
