public import JSONValue

/// A route from a source to a destination, with the filter an event must pass and the
/// JSONata expression that reshapes it before delivery.
public struct Connection: Sendable {
    public var id: String
    public var tenant: Tenant
    public var name: String?
    public var sourceID: String
    public var destinationID: String
    public var filterRules: FilterRuleSet
    public var transformExpression: String?
    public var transformEnabled: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, tenant: Tenant, name: String?, sourceID: String, destinationID: String, filterRules: FilterRuleSet = .matchAll,
        transformExpression: String? = nil, transformEnabled: Bool = false, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.sourceID = sourceID
        self.destinationID = destinationID
        self.filterRules = filterRules
        self.transformExpression = transformExpression
        self.transformEnabled = transformEnabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
